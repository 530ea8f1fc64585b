-- Rows of a whole region (issue « one store for the nation »): a milestone with no campus names the region it belongs
-- to (its committee's, its coordinator's), and a batch records the one region its rows concern (several campuses of
-- one region, a committee's milestones), so that a region's readers see them and other regions' do not. Older rows
-- name no region: they stay the nation's (read by national accounts), as before.
alter table milestones_history add column region text;
alter table batches add column region text;
