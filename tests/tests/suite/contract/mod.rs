//! The store contract: every promise of the store ports (each `# Errors` section
//! and each documented behaviour), one small test per promise, written once
//! (generic over [`Store`]) and run against every store by `store_contract!`.
//! Fixtures are stored through units of work, as the use cases store them. The
//! outbox has a suite of its own (`outbox_contract`).
//!
//! The in-memory SQLite store has a single connection, which an open unit of work
//! holds: a test ends (commits or drops) its unit of work before it reads through
//! the repositories.

mod accounts;
mod activity;
mod agents;
mod categories;
pub mod fixtures;
mod imports;
mod invitations;
mod jobs;
mod leads;
mod listing;
mod operator;
mod pipeline;
mod tokens;
mod webhooks;

use djcrm_adapter_postgres::PostgresStore;
use djcrm_adapter_sqlite::{SqliteOptions, SqliteStore};

use crate::pg::TestDatabase;

/// Runs every contract test against one store: one `#[tokio::test]` per promise.
/// `$make` is an async expression yielding a fresh, empty store and whatever must
/// live as long as the test (the PostgreSQL database).
macro_rules! store_contract {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;
            store_contract!(@tests $make;
                accounts::{
                    an_organization_reads_back_as_written,
                    an_unknown_organization_is_not_found,
                    a_renamed_organization_reads_back_renamed,
                    renaming_an_unknown_organization_is_not_found,
                    a_user_reads_back_as_written,
                    an_unknown_user_is_not_found,
                    another_tenants_user_is_not_found,
                    a_taken_email_is_a_conflict_on_email,
                    a_user_of_an_unknown_organization_is_not_found,
                    a_signup_whose_email_is_taken_leaves_no_organization,
                    credentials_by_email_are_the_user_and_password_hash,
                    credentials_by_an_unknown_email_are_none,
                    organization_for_update_reads_the_organization,
                    organization_for_update_of_an_unknown_one_is_not_found,
                    user_for_update_reads_the_user,
                    user_for_update_of_another_tenants_user_is_not_found,
                },
                activity::{
                    recent_activity_is_newest_first_with_lead_and_actor_names,
                    recent_activity_stops_at_the_limit,
                    recent_activity_of_an_agent_is_of_their_leads_only,
                    another_tenants_activity_is_not_recent,
                },
                pipeline::{
                    pipeline_flows_count_creations_at_their_first_stage_and_each_move,
                    pipeline_flows_count_a_deletion_at_the_stage_it_left,
                    pipeline_flows_before_since_are_left_out,
                    another_tenants_moves_are_not_in_the_pipeline_flows,
                },
                tokens::{
                    a_live_token_authenticates_its_user,
                    an_agents_token_names_its_agent_profile,
                    an_expired_token_authenticates_nobody,
                    an_unknown_token_authenticates_nobody,
                    revoking_a_token_returns_its_id,
                    a_revoked_token_authenticates_nobody,
                    revoking_an_unknown_token_is_none,
                    another_users_token_is_not_revoked,
                    revoking_every_token_of_a_user_returns_their_ids,
                    deactivation_revokes_every_token_of_the_user,
                    revoking_every_token_of_a_user_spares_other_users,
                    revoking_every_token_of_another_tenants_user_revokes_nothing,
                    a_deactivated_users_token_authenticates_nobody,
                },
                agents::{
                    an_agent_reads_back_as_written,
                    an_agents_user_reads_back_with_role_agent,
                    an_unknown_agent_is_not_found,
                    another_tenants_agent_is_not_found,
                    agent_for_update_reads_the_agent,
                    agent_for_update_of_an_unknown_agent_is_not_found,
                    agent_for_update_of_another_tenant_is_not_found,
                    agent_for_share_reads_the_agent,
                    agent_for_share_of_another_tenant_is_not_found,
                    a_deleted_agent_is_not_found,
                    a_deleted_agent_is_not_listed,
                    deleting_a_deleted_agent_is_not_found,
                    deleting_another_tenants_agent_is_not_found,
                    a_deleted_agents_user_still_reads_back,
                    leads_of_agent_for_update_are_its_live_leads,
                    a_saved_agent_reads_back_with_its_name_and_active_flag,
                    saving_an_agent_saves_its_user,
                    saving_an_agent_keeps_its_email,
                    saving_an_unknown_agent_is_not_found,
                    saving_another_tenants_agent_is_not_found,
                    agents_list_newest_first_across_pages,
                    another_tenants_agents_are_not_listed,
                },
                invitations::{
                    an_invitation_reads_back_as_written,
                    another_tenants_invitation_is_not_found,
                    an_invitation_is_found_by_its_token,
                    a_second_open_invitation_to_one_email_is_a_conflict_on_email,
                    a_revoked_invitation_leaves_the_list_and_frees_its_email,
                    open_invitations_list_newest_first,
                    a_password_reset_is_found_by_its_token_and_used_once,
                    a_new_password_replaces_the_hash,
                    setting_another_tenants_password_is_not_found,
                },
                jobs::{
                    a_free_lease_is_taken_at_cursor_zero,
                    a_held_lease_is_refused_to_another_holder,
                    an_expired_lease_goes_to_another_holder_with_its_cursor,
                    only_the_holder_moves_the_cursor,
                    a_sealed_secret_is_read_until_forgotten,
                    a_recorded_run_reads_back,
                    a_failed_run_done_on_retry_is_done,
                    a_done_run_stays_done,
                    failed_runs_list_by_organization,
                    organizers_are_the_active_owners_and_organizers_of_every_tenant,
                    a_digest_counts_the_days_new_leads_conversions_and_untouched,
                },
                operator::{
                    organizations_list_newest_first,
                    the_census_counts_organizations_users_and_live_leads,
                    users_of_an_organization_list_newest_first,
                    a_users_live_tokens_are_listed,
                    a_role_change_and_a_deactivation_read_back,
                    changing_another_tenants_user_is_not_found,
                    a_token_revoked_by_id_names_its_user_and_stops_working,
                    a_dry_run_purge_counts_and_removes_nothing,
                    a_purge_removes_what_is_past_its_cutoff_and_keeps_the_rest,
                },
                imports::{
                    an_import_reads_back_as_written,
                    another_tenants_import_is_not_found,
                    a_saved_import_keeps_its_state_and_counts,
                    imported_leads_read_back_with_their_status,
                    duplicates_are_the_live_leads_with_those_emails_in_the_organization,
                    a_revert_deletes_exactly_the_imports_live_leads_with_history,
                    rejections_read_back_in_line_order_from_a_line,
                    an_uploaded_file_reads_back_part_by_part_until_deleted,
                },
                webhooks::{
                    a_webhook_reads_back_as_written,
                    another_tenants_webhook_is_not_found,
                    failures_in_a_row_are_counted_and_a_success_resets_them,
                    deliveries_list_newest_first_and_read_back,
                    a_removed_webhook_takes_its_deliveries_with_it,
                    a_saved_webhook_keeps_its_changes,
                    an_event_is_read_by_id_in_its_organization_only,
                },
                categories::{
                    a_category_reads_back_as_written,
                    category_names_are_unique_ignoring_case,
                    category_names_are_unique_ignoring_case_beyond_ascii,
                    another_tenant_may_reuse_a_category_name,
                    an_unknown_category_is_not_found,
                    another_tenants_category_is_not_found,
                    category_for_update_reads_the_category,
                    category_for_update_of_an_unknown_category_is_not_found,
                    category_for_update_of_another_tenant_is_not_found,
                    a_renamed_category_reads_back_renamed,
                    renaming_to_a_taken_name_is_a_conflict_on_name,
                    a_category_may_be_renamed_to_its_own_name_in_another_case,
                    renaming_an_unknown_category_is_not_found,
                    renaming_another_tenants_category_is_not_found,
                    a_deleted_category_is_not_found,
                    deleting_an_unknown_category_is_not_found,
                    deleting_another_tenants_category_is_not_found,
                    deleting_a_category_clears_deleted_leads_too,
                    leads_in_category_for_update_are_its_live_leads,
                    another_tenant_finds_no_leads_in_a_category,
                    categories_list_newest_first,
                    another_tenants_categories_are_not_listed,
                },
                leads::{
                    a_lead_reads_back_as_written,
                    an_unknown_lead_is_not_found,
                    another_tenants_lead_is_not_found,
                    leads_read_at_once_each_get_their_own,
                    leads_read_at_once_stay_hidden_from_another_tenant,
                    reads_given_up_leave_the_others_answered,
                    reads_after_a_burst_are_answered,
                    leads_created_at_once_each_land_with_their_history_and_event,
                    a_lead_refused_among_leads_created_at_once_fails_alone,
                    lead_for_update_reads_the_live_lead,
                    lead_for_update_of_an_unknown_lead_is_not_found,
                    lead_for_update_of_another_tenant_is_not_found,
                    lead_for_update_of_a_deleted_lead_is_not_found,
                    a_saved_lead_reads_back_as_saved,
                    a_stale_version_is_precondition_failed_and_writes_nothing,
                    saving_an_unknown_lead_is_not_found,
                    saving_another_tenants_lead_is_not_found,
                    saving_a_deleted_lead_is_not_found,
                    a_deleted_lead_leaves_reads_lists_and_stats,
                    a_deleted_leads_history_stays,
                    deleting_at_a_stale_version_is_precondition_failed_and_deletes_nothing,
                    deleting_an_unknown_lead_is_not_found,
                    deleting_another_tenants_lead_is_not_found,
                    deleting_a_deleted_lead_is_not_found,
                    every_activity_kind_reads_back_as_written,
                    another_tenant_sees_no_history_of_a_lead,
                    history_entries_name_their_actor,
                    a_committed_unit_of_work_writes_everything,
                    a_dropped_unit_of_work_writes_nothing,
                    a_failed_write_then_a_drop_undoes_the_earlier_writes,
                },
                listing::{
                    leads_list_newest_first_each_once_across_pages,
                    another_tenants_leads_are_not_listed,
                    a_status_filter_lists_only_leads_in_that_status,
                    an_agent_filter_lists_only_that_agents_leads,
                    a_category_filter_lists_only_that_categorys_leads,
                    filters_combine,
                    q_matches_within_first_names_ignoring_case,
                    q_matches_within_last_names_ignoring_case,
                    q_matches_within_emails_ignoring_case,
                    q_matching_nothing_lists_nothing,
                    q_never_matches_another_tenants_leads,
                    an_underscore_in_q_matches_only_an_underscore,
                    a_percent_sign_in_q_matches_only_a_percent_sign,
                    a_star_in_q_matches_only_a_star,
                    a_question_mark_in_q_matches_only_a_question_mark,
                    a_backslash_in_q_matches_only_a_backslash,
                    q_follows_edits,
                    pipeline_counts_count_live_leads_per_status,
                    another_tenants_leads_are_not_counted,
                    agent_performance_counts_assigned_contacted_and_converted,
                    agent_performance_averages_seconds_to_first_contact,
                    agent_performance_includes_agents_without_leads,
                    agent_performance_is_ordered_by_agent_id,
                    agent_performance_of_one_agent_is_that_agent_alone,
                    another_tenants_agents_have_no_performance,
                    q_finds_a_lead_in_a_large_organization,
                    q_matching_many_in_a_large_organization_lists_newest_first,
                    glob_characters_in_q_match_literally_in_a_large_organization,
                },
            );
        }
    };
    (@tests $make:expr; $($group:ident::{$($test:ident),* $(,)?}),* $(,)?) => {
        $($(
            #[tokio::test]
            async fn $test() {
                let (store, _database) = $make;
                super::$group::$test(store).await;
            }
        )*)*
    };
}

/// A fresh in-memory SQLite store.
async fn sqlite() -> (SqliteStore, ()) {
    let options = SqliteOptions::new("sqlite::memory:");
    let store = djcrm_adapter_sqlite::connect(&options)
        .await
        .expect("an in-memory SQLite store");
    (store, ())
}

/// A PostgreSQL store on a database of its own, dropped with the [`TestDatabase`].
pub async fn postgres() -> (PostgresStore, TestDatabase) {
    let database = TestDatabase::create().await;
    let store = database.store(None).await;
    (store, database)
}

store_contract!(sqlite_store, sqlite().await);
store_contract!(postgres_store, postgres().await);
