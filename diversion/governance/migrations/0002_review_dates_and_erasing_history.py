"""The database's part of the retention review (governance.models, governance.retention).

1. `governance_closures(ids)`: the day each referral closed, and its default review date.
   The one statement of what "closed" means: a case (a programme) when it is completed,
   breached or withdrawn, on its outcome date; a referral that never became a case on the
   day it was decided: not offered (the custody desk's decision, when it was made), its
   authorisation refused (when the history records the refusal), or declined by the person
   (their decision). An accepted referral's case decides; anything else is still open.
2. `governance_sync_reviews(ids)` and the triggers that call it after every insert and
   update of referrals and programmes (statement triggers: one call for a bulk change), and
   after a policy version's retention_years change: so each closed case has its review row,
   whatever closed, reopened or changed it. A review keeps a manager's new date (retained)
   until the closing date itself changes.
3. `governance_erase_history(...)`: deletes the change history of records already erased,
   past the history tables' append_only triggers, which still refuse every other DELETE.
   SECURITY DEFINER, so it runs with the rights of the role that ran this migration: the
   service's own role need not (and, in production, cannot) delete from a history table.
   It refuses while any of the records still exists.

Frozen SQL, as a migration must be: tests/governance/test_retention_rules.py checks its
statuses against the models'.
"""

from django.db import migrations

CLOSURES = """
CREATE FUNCTION governance_closures(ids bigint[])
RETURNS TABLE (referral_id bigint, closed_on date, review_on date)
LANGUAGE sql STABLE AS $$
  SELECT c.id, c.closed_on, (c.closed_on + make_interval(years => c.years))::date
  FROM (
    SELECT r.id, v.retention_years AS years,
      CASE
        WHEN p.id IS NOT NULL THEN
          CASE WHEN p.status IN ('completed', 'breached', 'withdrawn') THEN p.outcome_on END
        WHEN r.status = 'not_offered' THEN (r.created_at AT TIME ZONE 'Europe/London')::date
        WHEN r.status = 'authorisation_refused' THEN (coalesce(
          (SELECT min(h.pgh_created_at) FROM cases_referralhistory h
           WHERE h.pgh_obj_id = r.id AND h.status = 'authorisation_refused'),
          r.created_at) AT TIME ZONE 'Europe/London')::date
        WHEN r.status = 'declined' THEN (r.decided_at AT TIME ZONE 'Europe/London')::date
      END AS closed_on
    FROM cases_referral r
    JOIN policy_policyversion v ON v.id = r.policy_version_id
    LEFT JOIN cases_programme p ON p.referral_id = r.id
    WHERE r.id = ANY(ids)
  ) c
  WHERE c.closed_on IS NOT NULL
$$;

CREATE FUNCTION governance_sync_reviews(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM governance_retentionreview g
  WHERE g.referral_id = ANY(ids)
    AND g.referral_id NOT IN (SELECT c.referral_id FROM governance_closures(ids) c);
  INSERT INTO governance_retentionreview (referral_id, closed_on, review_on, retained)
  SELECT c.referral_id, c.closed_on, c.review_on, false FROM governance_closures(ids) c
  ON CONFLICT (referral_id) DO UPDATE
    SET closed_on = EXCLUDED.closed_on, review_on = EXCLUDED.review_on, retained = false
    WHERE governance_retentionreview.closed_on IS DISTINCT FROM EXCLUDED.closed_on;
$$;

CREATE FUNCTION governance_referrals_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM governance_sync_reviews(ARRAY(SELECT id FROM changed));
  RETURN NULL;
END $$;

CREATE FUNCTION governance_programmes_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM governance_sync_reviews(ARRAY(SELECT referral_id FROM changed));
  RETURN NULL;
END $$;

CREATE TRIGGER governance_review_referral_insert AFTER INSERT ON cases_referral
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION governance_referrals_changed();
CREATE TRIGGER governance_review_referral_update AFTER UPDATE ON cases_referral
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION governance_referrals_changed();
CREATE TRIGGER governance_review_programme_insert AFTER INSERT ON cases_programme
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION governance_programmes_changed();
CREATE TRIGGER governance_review_programme_update AFTER UPDATE ON cases_programme
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT
  EXECUTE FUNCTION governance_programmes_changed();

-- A version's new retention period moves the reviews it set, not those a manager set.
CREATE FUNCTION governance_policy_years_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE governance_retentionreview g
  SET review_on = (g.closed_on + make_interval(years => NEW.retention_years))::date
  FROM cases_referral r
  WHERE r.id = g.referral_id AND r.policy_version_id = NEW.id AND NOT g.retained;
  RETURN NULL;
END $$;

CREATE TRIGGER governance_review_policy_years AFTER UPDATE OF retention_years
  ON policy_policyversion FOR EACH ROW
  WHEN (OLD.retention_years IS DISTINCT FROM NEW.retention_years)
  EXECUTE FUNCTION governance_policy_years_changed();

-- The cases closed before this migration.
SELECT governance_sync_reviews(ARRAY(SELECT id FROM cases_referral));
"""

ERASE_HISTORY = """
CREATE FUNCTION governance_erase_history(
  people bigint[], referrals bigint[], programmes bigint[], later_offences bigint[],
  prosecution_returns bigint[]
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
-- Fixed, so no caller's search path can put its own tables in the way.
SET search_path = public, pg_temp
AS $$
DECLARE
  deleted bigint := 0;
  n bigint;
  -- pgtrigger's setting, restored before returning so the triggers are ignored inside this
  -- call only (an error rolls the setting back with everything else). Saved by hand: only a
  -- superuser may attach a custom setting to a function.
  previous text := current_setting('pgtrigger.ignore', true);
BEGIN
  IF EXISTS (SELECT 1 FROM people_person WHERE id = ANY(people))
    OR EXISTS (SELECT 1 FROM cases_referral WHERE id = ANY(referrals))
    OR EXISTS (SELECT 1 FROM cases_programme WHERE id = ANY(programmes))
    OR EXISTS (SELECT 1 FROM people_lateroffence WHERE id = ANY(later_offences))
    OR EXISTS (SELECT 1 FROM cases_prosecutionreturn WHERE id = ANY(prosecution_returns))
  THEN
    RAISE EXCEPTION 'governance_erase_history: a record named still exists'
      USING ERRCODE = 'restrict_violation';
  END IF;
  -- The append_only triggers of the history tables, as pgtrigger.ignore names them.
  PERFORM set_config('pgtrigger.ignore', (
    SELECT '{' || string_agg(t.tgname, ',') || '}' FROM pg_trigger t
    WHERE t.tgname LIKE 'pgtrigger_append_only_%'
  ), true);

  DELETE FROM people_personhistory WHERE pgh_obj_id = ANY(people);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  -- A later offence or referral of theirs removed before (or moved away in a merge and
  -- still live) is kept or taken by its own record: only records gone are erased here.
  DELETE FROM people_lateroffencehistory h WHERE h.pgh_obj_id = ANY(later_offences)
    OR (h.person_id = ANY(people)
        AND NOT EXISTS (SELECT 1 FROM people_lateroffence l WHERE l.id = h.pgh_obj_id));
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_referralhistory h WHERE h.pgh_obj_id = ANY(referrals)
    OR (h.person_id = ANY(people)
        AND NOT EXISTS (SELECT 1 FROM cases_referral r WHERE r.id = h.pgh_obj_id));
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_programmehistory WHERE pgh_obj_id = ANY(programmes)
    OR referral_id = ANY(referrals);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_conditionhistory WHERE programme_id = ANY(programmes);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_milestonehistory WHERE programme_id = ANY(programmes);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_appointmenthistory WHERE programme_id = ANY(programmes);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_pathwayassessmenthistory WHERE programme_id = ANY(programmes);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_casenotehistory WHERE programme_id = ANY(programmes);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  DELETE FROM cases_prosecutionreturnhistory WHERE pgh_obj_id = ANY(prosecution_returns)
    OR programme_id = ANY(programmes);
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  -- The decisions to keep the case: their reasons are text a person typed about it.
  DELETE FROM governance_retentiondecision WHERE referral_id = ANY(referrals)
    AND outcome = 'retain';
  GET DIAGNOSTICS n = ROW_COUNT; deleted := deleted + n;
  PERFORM set_config('pgtrigger.ignore', coalesce(nullif(previous, ''), '{}'), true);
  RETURN deleted;
END $$;
"""

UNDO = """
DROP FUNCTION governance_erase_history(bigint[], bigint[], bigint[], bigint[], bigint[]);
DROP TRIGGER governance_review_policy_years ON policy_policyversion;
DROP FUNCTION governance_policy_years_changed();
DROP TRIGGER governance_review_programme_update ON cases_programme;
DROP TRIGGER governance_review_programme_insert ON cases_programme;
DROP TRIGGER governance_review_referral_update ON cases_referral;
DROP TRIGGER governance_review_referral_insert ON cases_referral;
DROP FUNCTION governance_programmes_changed();
DROP FUNCTION governance_referrals_changed();
DROP FUNCTION governance_sync_reviews(bigint[]);
DROP FUNCTION governance_closures(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_retention_review"),
        ("policy", "0007_retention_years"),
        ("people", "0004_name_rule"),
        ("cases", "0011_return_breached_cases"),
    ]

    operations = [migrations.RunSQL(CLOSURES + ERASE_HISTORY, UNDO)]
