-- The accounts (password hashes, e-mail addresses) and the small documents (the key that signs session tokens, the
-- failed sign-ins being counted) are the application role's alone: no other role of the server reads them, whatever
-- privileges the database or its schema hand out by default.
revoke all on accounts, store_documents from public;
