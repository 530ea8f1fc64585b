-- Every account names its scope (issue « one store for the nation »): a reader or an administrator written before
-- scopes existed reads and acts as national (a store of one region behaves as it did), a director keeps its campuses.
-- The code reads an account without these keys the same way; this makes the record say it.
update accounts
set account = account || jsonb_build_object(
    'national', (account ->> 'role') <> 'directeur',
    'regions', '[]'::jsonb)
where not (account ? 'national');
