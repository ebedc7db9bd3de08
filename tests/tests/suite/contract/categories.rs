//! Lead categories: unique names ignoring case, renaming, deleting, listing.

use djcrm_domain::ports::{CategoryRepository, Store, UnitOfWork};
use djcrm_domain::{CategoryId, CategoryName, LeadId};

use super::fixtures::{
    assert_conflict_on, assert_not_found, category, deleted, lead, now, page, stored,
    stored_category, tenant,
};

fn category_name(raw: &str) -> CategoryName {
    CategoryName::parse(raw).expect("a valid category name")
}

pub async fn a_category_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let stored = store
        .categories()
        .get(acme.org, web.id)
        .await
        .expect("stored");
    assert_eq!(stored, web);
}

pub async fn category_names_are_unique_ignoring_case<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    assert_conflict_on(
        uow.insert_category(&category(acme.org, "WEB")).await,
        "name",
    );
}

/// Case is Unicode case, not only ASCII.
pub async fn category_names_are_unique_ignoring_case_beyond_ascii<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_category(&store, acme.org, "Événements").await;
    let mut uow = store.begin().await.expect("begin");
    assert_conflict_on(
        uow.insert_category(&category(acme.org, "ÉVÉNEMENTS")).await,
        "name",
    );
}

pub async fn another_tenant_may_reuse_a_category_name<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    let reused = uow.insert_category(&category(globex.org, "Web")).await;
    assert!(reused.is_ok(), "{reused:?}");
}

pub async fn an_unknown_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    assert_not_found(store.categories().get(acme.org, CategoryId::new()).await);
}

pub async fn another_tenants_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let web = stored_category(&store, acme.org, "Web").await;
    assert_not_found(store.categories().get(globex.org, web.id).await);
}

pub async fn category_for_update_reads_the_category<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    let locked = uow
        .category_for_update(acme.org, web.id)
        .await
        .expect("locked");
    assert_eq!(locked, web);
}

pub async fn category_for_update_of_an_unknown_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.category_for_update(acme.org, CategoryId::new()).await);
}

pub async fn category_for_update_of_another_tenant_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.category_for_update(globex.org, web.id).await);
}

pub async fn a_renamed_category_reads_back_renamed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let at = now();
    let mut uow = store.begin().await.expect("begin");
    uow.rename_category(acme.org, web.id, &category_name("Website"), at)
        .await
        .expect("renamed");
    uow.commit().await.expect("commit");
    let stored = store
        .categories()
        .get(acme.org, web.id)
        .await
        .expect("stored");
    assert_eq!(
        (stored.name, stored.updated_at),
        (category_name("Website"), at)
    );
}

pub async fn renaming_to_a_taken_name_is_a_conflict_on_name<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_category(&store, acme.org, "Web").await;
    let mail = stored_category(&store, acme.org, "Mail").await;
    let mut uow = store.begin().await.expect("begin");
    assert_conflict_on(
        uow.rename_category(acme.org, mail.id, &category_name("web"), now())
            .await,
        "name",
    );
}

/// A category's own name is not "taken": changing only its case is a rename.
pub async fn a_category_may_be_renamed_to_its_own_name_in_another_case<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    let renamed = uow
        .rename_category(acme.org, web.id, &category_name("WEB"), now())
        .await;
    assert!(renamed.is_ok(), "{renamed:?}");
}

pub async fn renaming_an_unknown_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(
        uow.rename_category(acme.org, CategoryId::new(), &category_name("Web"), now())
            .await,
    );
}

pub async fn renaming_another_tenants_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(
        uow.rename_category(globex.org, web.id, &category_name("Mine"), now())
            .await,
    );
}

pub async fn a_deleted_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    uow.delete_category(acme.org, web.id)
        .await
        .expect("deleted");
    uow.commit().await.expect("commit");
    assert_not_found(store.categories().get(acme.org, web.id).await);
}

pub async fn deleting_an_unknown_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.delete_category(acme.org, CategoryId::new()).await);
}

pub async fn deleting_another_tenants_category_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.delete_category(globex.org, web.id).await);
}

/// The use case moves the live leads out first; deleted leads still naming the
/// category must not keep it from being deleted.
pub async fn deleting_a_category_clears_deleted_leads_too<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut tagged = lead(acme.org, "Tagged");
    tagged.category_id = Some(web.id);
    let mut tagged = stored(&store, &acme, tagged).await;
    deleted(&store, &acme, &mut tagged).await;
    let mut uow = store.begin().await.expect("begin");
    uow.delete_category(acme.org, web.id)
        .await
        .expect("a deleted lead does not hold its category");
    uow.commit().await.expect("commit");
    assert_not_found(store.categories().get(acme.org, web.id).await);
}

pub async fn leads_in_category_for_update_are_its_live_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mail = stored_category(&store, acme.org, "Mail").await;
    let in_category = |first: &str, category: CategoryId| {
        let mut l = lead(acme.org, first);
        l.category_id = Some(category);
        l
    };
    let ada = stored(&store, &acme, in_category("Ada", web.id)).await;
    let bob = stored(&store, &acme, in_category("Bob", web.id)).await;
    let mut gone = stored(&store, &acme, in_category("Gone", web.id)).await;
    deleted(&store, &acme, &mut gone).await;
    stored(&store, &acme, in_category("Other", mail.id)).await;
    stored(&store, &acme, lead(acme.org, "Plain")).await;
    let mut uow = store.begin().await.expect("begin");
    let found = uow
        .leads_in_category_for_update(acme.org, web.id)
        .await
        .expect("locked");
    let mut ids: Vec<LeadId> = found.iter().map(|l| l.id).collect();
    ids.sort();
    assert_eq!(ids, vec![ada.id, bob.id]);
}

pub async fn another_tenant_finds_no_leads_in_a_category<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut tagged = lead(acme.org, "Tagged");
    tagged.category_id = Some(web.id);
    stored(&store, &acme, tagged).await;
    let mut uow = store.begin().await.expect("begin");
    let found = uow
        .leads_in_category_for_update(globex.org, web.id)
        .await
        .expect("a query");
    assert!(found.is_empty(), "{found:?}");
}

pub async fn categories_list_newest_first<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mail = stored_category(&store, acme.org, "Mail").await;
    let listed = store
        .categories()
        .list(acme.org, page(10))
        .await
        .expect("a page");
    assert_eq!(listed.items, vec![mail, web]);
}

pub async fn another_tenants_categories_are_not_listed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_category(&store, acme.org, "Web").await;
    let listed = store
        .categories()
        .list(globex.org, page(10))
        .await
        .expect("a page");
    assert!(listed.items.is_empty(), "{:?}", listed.items);
}
