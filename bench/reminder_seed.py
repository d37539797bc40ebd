"""The reminder engine benchmarks' seed: users, companies, applications,
rejections and reminders in one transaction of INSERT ... SELECT generate_series."""

SEED_SQL = """
TRUNCATE accounts_user RESTART IDENTITY CASCADE;
INSERT INTO accounts_user (id, password, is_superuser, is_staff, is_active, date_joined,
                           name, email, time_zone)
SELECT g, '!', false, false, true, %(now)s, 'Bench user ' || g, 'bench' || g || '@example.com',
       'UTC'
FROM generate_series(1, %(users)s) g;
INSERT INTO account_emailaddress (email, verified, "primary", user_id)
SELECT 'bench' || g || '@example.com', true, true, g FROM generate_series(1, %(users)s) g;
INSERT INTO reminders_remindersettings (cooling_off_days, send_time, email_enabled,
    email_enabled_at, note_template, user_id, cooling_off_by_stage, digest_mode,
    digest_weekday, keep_on_radar_months, thank_you_enabled)
SELECT 30, '09:00', true, '2000-01-01T00:00:00Z', '', g, '{}', 'each', 0, 6, true
FROM generate_series(1, %(users)s) g;
INSERT INTO applications_company (id, name, website, notes, created_at, user_id)
SELECT g, 'Company ' || g, '', '', %(now)s, g FROM generate_series(1, %(users)s) g;
INSERT INTO applications_application (id, role, job_url, job_description, source, location,
    salary_currency, applied_on, notes, current_stage, furthest_stage, outcome, outcome_on,
    created_at, updated_at, user_id, company_id)
SELECT g, 'Engineer ' || g, '', '', '', '', '', date '2026-01-05', '', 40, 40, 'rejected',
       date '2026-02-01', %(now)s, %(now)s, 1 + g %% %(users)s, 1 + g %% %(users)s
FROM generate_series(1, %(rows)s) g;
INSERT INTO applications_rejection (id, received_on, stage_reached, channel, letter_text,
    feedback, invited_to_reapply, created_at, updated_at, application_id, user_id)
SELECT g, date '2026-02-01', 40, 'email', '', '', false, %(now)s, %(now)s, g, 1 + g %% %(users)s
FROM generate_series(1, %(rows)s) g;
INSERT INTO reminders_reminder (id, kind, counted_from, cooling_off_days, due_date, due_at,
    status, next_attempt_at, attempts, last_error, occurrence, snoozed_count,
    failure_acknowledged, created_at, updated_at, application_id, rejection_id, user_id, step)
SELECT g, 'rejected', (due_at - interval '30 days')::date, 30, due_at::date, due_at,
       'scheduled', due_at, 0, '', 1, 0, false, %(now)s, %(now)s, g, g, 1 + g %% %(users)s,
       'circle_back'
FROM (
    SELECT g, CASE WHEN g <= %(due)s
                   THEN %(now)s - interval '1 hour' + g * (interval '1 hour' / %(due)s)
                   ELSE %(now)s + interval '1 day' + (g * interval '30 seconds') END AS due_at
    FROM generate_series(1, %(rows)s) g
) s;
SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %(users)s);
SELECT setval(pg_get_serial_sequence('applications_company', 'id'), %(users)s);
SELECT setval(pg_get_serial_sequence('applications_application', 'id'), %(rows)s);
SELECT setval(pg_get_serial_sequence('applications_rejection', 'id'), %(rows)s);
SELECT setval(pg_get_serial_sequence('reminders_reminder', 'id'), %(rows)s);
"""
