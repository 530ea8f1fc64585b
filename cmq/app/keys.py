"""Every key the app keeps in a person's session (st.session_state) besides its widgets' own: one name each, read and
written through these constants only (a test checks that no other module spells one)."""

ACCOUNT = "account"  # the signed-in session (session.record): name, grant, since, seen, sso
LOGIN_ERROR = "login_error"  # why the last session ended or a sign-in was refused, shown once on the login page
SSO_ENDED = "sso_ended"  # signed out here while still signed in at the single sign-on provider
WANTED = "wanted"  # the page and filters a link asked for before signing in, opened right after
FILTERS_KEPT = "filters_kept"  # the filters as the reader last set them, for the next page they open
YEAR = "flt_year"  # the year filter's widget
FIGURES = "flt_figures"  # the « validated only / with drafts » widget
CYCLE_DONE = "cycle_done"  # a campaign step just taken, said once
IMPORT_ROUND = "imp_upload_round"  # new upload widgets after each commit
IMPORT_DONE = "imp_done"  # an import just committed, said once
IMPORT_DONE_TABLE = "imp_done_table"  # … and the table it went to (the page offers a link to where it shows)
IMPORT_NOTICE = "imp_notice"  # nothing to import, or the store changed since the preview
IMPORT_REFUSED = "imp_refused"  # a file refused at commit
REVERT_ROUND = "rev_round"  # new revert widgets after each revert
REVERT_DONE = "rev_done"  # a revert just made, said once
ADMIN_ROUND = "admin_add_round"  # a new, empty account form after each creation
ADMIN_DONE = "admin_done"  # an account change just made, said once
