"""The house a newcomer reads: layers that import one way, no import cycle, every query used by the product, every
figure's columns with a French label, every SQL file with its header."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cmq.core import permissions, queries, schema
from cmq.core.filters import Filters
from cmq.outputs.registry import FIGURES, PAGES

from conftest import ROOT

PACKAGE = ROOT / "cmq"
# what each layer may import of the project, and what it may never import from outside
ALLOWED = {"core": {"core"}, "outputs": {"core", "outputs"}, "app": {"core", "outputs", "app"}}
FORBIDDEN = {"core": {"streamlit", "plotly", "pptx", "docx", "fpdf", "kaleido", "xlsxwriter"},
             "outputs": {"streamlit"}, "app": set()}
READS_EXCEL = {"cmq.core.ingest.reading"}  # the importer reads directors' workbooks (openpyxl), the only office library in core


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(path: Path, known: dict[str, Path]) -> set[str]:
    """Every module a file imports, at its top or inside a function (a lazy import is a dependency all the same)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
    return out


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("core", "outputs", "app", "dev") else None


def test_layers_import_one_way():
    known = modules()
    wrong = []
    for name, path in known.items():
        mine = layer(name)
        for dep in imported(path, known):
            top = dep.split(".")[0]
            if mine in ALLOWED and dep.startswith("cmq.") and layer(dep) not in ALLOWED[mine]:
                wrong.append(f"{name} imports {dep}")
            if mine in FORBIDDEN and top in FORBIDDEN[mine]:
                wrong.append(f"{name} imports {dep}")
            if mine == "core" and top == "openpyxl" and name not in READS_EXCEL:
                wrong.append(f"{name} imports {dep}")
            if mine != "dev" and name != "cmq.__main__" and layer(dep) == "dev":
                wrong.append(f"{name} imports the development tools ({dep})")
    assert not wrong, "\n".join(wrong)
    # and the one rule the tree cannot show: Streamlit is the app's alone (and the development tools' that measure the
    # app's pages: the benchmark's page runs and its floor page)
    users = {name for name, path in known.items() if any(d.split(".")[0] == "streamlit" for d in imported(path, known))}
    assert {layer(n) for n in users - {"cmq.__main__"}} == {"app", "dev"}, users  # `serve` starts the app
    assert {n for n in users if layer(n) == "dev"} == {"cmq.dev.pagerun", "cmq.dev.floor_page", "cmq.dev.load"}, users


def test_no_import_cycle():
    known = modules()
    graph = {name: {d for d in imported(path, known) if d in known and d != name} for name, path in known.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + "."):  # a package importing its own submodules is its facade, not a cycle
                continue
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_every_query_file_is_used_by_the_product_and_has_its_header():
    texts = {c.value for p in PACKAGE.rglob("*.py") if layer(module_name(p)) != "dev"
             for c in ast.walk(ast.parse(p.read_text(encoding="utf-8"))) if isinstance(c, ast.Constant)}
    unused = [n for n in queries.names() if n not in texts]
    assert not unused, f"queries/*.sql that no page, export or command runs: {unused}"
    for n in queries.names():
        lines = queries.sql_text(n).splitlines()
        head = [h.split(":")[0] for h in lines[:lines.index(next(h for h in lines if not h.startswith("--")))]]
        assert head[0] == "-- question" and "-- grain" in head and "-- params" in head, n


def test_every_figure_has_its_title_in_the_registry():
    assert all(spec.title for spec in FIGURES.values())


def test_every_figure_column_has_a_french_label(demo_store):
    ctx = Filters(year=2018, campus="AGT")
    con = demo_store.connect()
    try:
        missing = set()
        for spec in FIGURES.values():
            for q in filter(None, (spec.query, spec.rows)):
                cols = queries.run(q, con=con, **spec.params(ctx, q)).columns
                missing |= {f"{q}.{c}" for c in cols if schema.column_label(c) == c}
    finally:
        con.close()
    assert not missing, sorted(missing)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.slug)
def test_the_registry_names_real_pages_figures_and_queries(page):
    assert (ROOT / page.path).is_file()
    assert set(page.figures) <= set(FIGURES) and set(page.queries) <= set(queries.names())
    assert page.action in permissions.ACTIONS


def test_only_the_store_takes_the_writers_lock():
    """One write door: no module outside cmq/core/store/ imports a file lock or reaches for the store's lock."""
    outside = [p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts[:2]]
    for p in outside:
        tree = ast.parse(p.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert "FileLock" not in names and "filelock" not in names and not {"lock", "_lock"} & attrs, p


# ---------------------------------------------------------------- stored text reaches Markdown through fmt.md only
MARKDOWN_CALLS = {"caption", "markdown", "write", "error", "warning", "info", "success", "title", "header", "subheader",
                  "toast", "metric", "expander", "exception"}  # Streamlit calls whose first argument is Markdown
SAFE_TEXT = {"md", "number", "euros", "percent", "day", "len", "int"}  # escaping, or formatting a number or a date


def safe_markdown(node: ast.AST) -> bool:
    """Text that cannot carry markup: a literal, a module constant, fmt.md(…) or a number's formatting, and f-strings,
    sums and joins of those (`{n:d}` is an integer by construction)."""
    if isinstance(node, ast.Constant) or isinstance(node, ast.Name | ast.Attribute) and \
            (node.id if isinstance(node, ast.Name) else node.attr).isupper():
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or safe_markdown(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        return bool(spec and [getattr(v, "value", None) for v in spec.values] == ["d"]) or safe_markdown(node.value)
    if isinstance(node, ast.BinOp):
        return safe_markdown(node.left) and safe_markdown(node.right)
    if isinstance(node, ast.IfExp):
        return safe_markdown(node.body) and safe_markdown(node.orelse)
    if isinstance(node, ast.List | ast.Tuple):
        return all(safe_markdown(e) for e in node.elts)
    if isinstance(node, ast.Starred):
        return safe_markdown(node.value)
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return safe_markdown(node.elt)
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name in SAFE_TEXT:
            return True
        if name == "join" and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Constant):
            return all(safe_markdown(a) for a in node.args)
    return False


def markdown_arguments(code: str):
    """(line, argument) of every Markdown some code hands Streamlit: the text of a text call, any help= or label=."""
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr in MARKDOWN_CALLS and node.args:
            yield node.lineno, node.args[0]
        for k in node.keywords:
            if k.arg in ("help", "label"):
                yield node.lineno, k.value


def test_every_stored_text_reaches_markdown_through_fmt_md():
    """A director's funder name, an objective's title, a campus code, an error message: whatever is not a literal
    reaches a caption, a message, a help or a label through fmt.md (or as a formatted number) — checked in every file
    of the app and its entry point, so that escaping is structural, not remembered."""
    files = [*(PACKAGE / "app").rglob("*.py"), ROOT / "dashboard.py"]
    assert len(files) > 20 and any(p.parent.name == "pages" for p in files)  # the pages' folder is read too
    unsafe = [f"{p.relative_to(ROOT)}:{line}: {ast.unparse(arg)[:90]}" for p in files
              for line, arg in markdown_arguments(p.read_text(encoding="utf-8")) if not safe_markdown(arg)]
    assert unsafe == [], "\n".join(unsafe)
    # the check sees what it must: a variable, a campus code in an f-string, an error turned to text
    for bad in ("st.caption(unknown)", "st.info(f'{campus} n’a rien')", "st.error(str(exc))", "c.Column(help=title)"):
        found = list(markdown_arguments(bad))
        assert found and not any(safe_markdown(a) for _, a in found), bad


def test_an_indicators_status_is_judged_in_one_place():
    """The rule of « atteint », « en bonne voie », « en retard » is the catalogue's macro `indicator_status`: no query
    writes its own thresholds or status codes, and no Python module spells the statuses' words but the vocabulary."""
    queries_dir = ROOT / "queries"
    judged = sorted(p.name for p in queries_dir.glob("*.sql") if "indicator_status(" in p.read_text(encoding="utf-8"))
    assert judged == ["iptt.sql", "objective_tree.sql"]
    for path in queries_dir.glob("*.sql"):
        text = path.read_text(encoding="utf-8")
        assert "'en_bonne_voie'" not in text and "'en bonne voie'" not in text and "$on_track as" not in text, path.name
    catalogue = (ROOT / "cmq" / "core" / "store" / "catalogue.py").read_text(encoding="utf-8")
    assert catalogue.count("'en_bonne_voie'") == 2, "the up and the down reading, once each"
    for path in (ROOT / "cmq").rglob("*.py"):
        if path.name != "vocabulary.py":
            assert '"en bonne voie"' not in path.read_text(encoding="utf-8"), path


def test_who_may_do_what_is_decided_in_one_place():
    """permissions.py alone reads an account's role; every page's first statement is its guard, naming itself (the
    registry's declaration decides), and no page nor module asks anything else."""
    for path in PACKAGE.rglob("*.py"):
        if path.name == "permissions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):  # account["role"] == …, role in (…), "directeur" == …
                names = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
                assert not names & {"role", *permissions.ROLES}, f"{path.relative_to(ROOT)}:{node.lineno} compares a role"
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("may_"), f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}"
    for page in PAGES:
        body = [n for n in ast.parse((ROOT / page.path).read_text(encoding="utf-8")).body
                if not isinstance(n, (ast.Import, ast.ImportFrom)) and not (isinstance(n, ast.Expr) and
                                                                           isinstance(n.value, ast.Constant))]
        first = body[0].value if isinstance(body[0], (ast.Assign, ast.Expr)) else None
        assert isinstance(first, ast.Call) and ast.unparse(first) == f"session.guard('{page.slug}')", page.slug


def test_no_module_reaches_for_another_modules_private_names():
    """A name that starts with « _ » is its module's own: no `from cmq… import _name`, no `module._name` on a module
    of the project (a name others need is public, with its docstring)."""
    known = modules()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ours = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and
                n.module.startswith("cmq") for a in n.names if f"{n.module}.{a.name}" in known}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cmq"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.relative_to(ROOT)}:{node.lineno} imports {private}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ours:
                assert not node.attr.startswith("_"), f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}"


def test_session_keys_are_named_in_one_module():
    """Whatever the app keeps in st.session_state is read and written through cmq/app/keys.py's names: no module
    spells a key as a string (a typo would make a second, silent key)."""
    for path in PACKAGE.rglob("*.py"):
        if path.name == "keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            target = None
            if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("session_state"):
                target = node.slice
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    ast.unparse(node.func.value).endswith("session_state") and node.args:
                target = node.args[0]
            elif isinstance(node, ast.Compare) and any(ast.unparse(c).endswith("session_state") for c in node.comparators):
                target = node.left
            if target is not None:
                assert not isinstance(target, ast.Constant), f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}"


def test_a_figure_drawn_from_one_query_alone_is_named_as_it():
    """One name per figure: its French address (the registry's key, its file names) and, when no other figure draws
    its query, a chart function named as the query (flux-de-financement: funding_flows, drawn by charts.funding_flows)."""
    by_query = {}
    for f in FIGURES.values():
        by_query.setdefault(f.query, []).append(f)
    for query, figures in by_query.items():
        if len(figures) == 1 and figures[0].chart.__module__.endswith("charts"):
            assert figures[0].chart.__name__ == query, (figures[0].name, query, figures[0].chart.__name__)


def test_filters_travel_as_one_typed_object():
    """A page's, a figure's and a document's filters are a Filters (cmq/core/filters.py): no page spreads them into a
    query (`**f`), and no module carries descriptions as « _ » keys that a query would silently drop."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not any(f'"_{k}"' in text for k in ("figures", "sector", "nothing")), path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("ui.query", "query"):
                assert not any(k.arg is None for k in node.keywords if ast.unparse(k.value) in ("f", "wanted")), \
                    f"{path.relative_to(ROOT)}:{node.lineno}"


def test_each_store_backend_keeps_the_whole_contract_and_no_stub():
    """The store's shared logic (Batches, Campaigns, Accounts) calls the hooks of cmq/core/store/backend.py: the folder
    (Store) and the database (PgStore) each implement every one in their own code, and no backend answers a hook
    with an empty stub (a body that is only a docstring, `pass` or an empty answer)."""
    from cmq.core.store import Store
    from cmq.core.store.accounts import Accounts
    from cmq.core.store.backend import HOOKS
    from cmq.core.store.batches import Batches
    from cmq.core.store.campaigns import Campaigns
    from cmq.core.store.catalogue import Catalogue
    from cmq.core.store.postgres import PgStore

    shared = {Batches, Campaigns, Accounts}
    for backend, not_its_own in ((Store, shared), (PgStore, shared | {Catalogue})):
        for hook in HOOKS:
            owner = next(c for c in backend.__mro__ if hook in vars(c))
            assert owner not in not_its_own, f"{backend.__name__}.{hook} comes from {owner.__name__}"
    for name in ("postgres.py", "folder.py", "__init__.py"):
        for node in ast.walk(ast.parse((PACKAGE / "core" / "store" / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
                empty = not body or (len(body) == 1 and (isinstance(body[0], ast.Pass) or isinstance(body[0], ast.Return)
                                                         and ast.unparse(body[0].value or ast.Constant(None))
                                                         in ("[]", "{}", "None", "()")))
                assert not empty, f"{name}: {node.name} is a stub"
