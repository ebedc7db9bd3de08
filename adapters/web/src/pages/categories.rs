//! `/categories` (organizers): add, rename and delete the labels leads are sorted
//! by.

use std::sync::Arc;

use askama::Template;
use djcrm_domain::CategoryId;
use djcrm_domain::ports::Store;
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};

use super::path_id;
use crate::Ui;
use crate::failure::Failure;
use crate::form::{Form, FormData};
use crate::layout::{Layout, flash, render, see_other};
use crate::session::{Viewer, viewer};
use crate::views::all_categories;

struct Row {
    id: CategoryId,
    name: String,
    /// The rename form, shown again when it failed.
    form: Form,
}

#[derive(Template)]
#[template(path = "categories.html")]
struct CategoriesPage {
    layout: Layout,
    categories: Vec<Row>,
    add: Form,
}

/// The page; `failed` is a rename that failed, shown again beside its category.
async fn page<S: Store>(
    ui: &Ui<S>,
    viewer: &Viewer,
    add: Form,
    failed: Option<(CategoryId, Form)>,
) -> Result<CategoriesPage, Failure> {
    viewer.require_organizer()?;
    let categories = all_categories(&ui.crm, &viewer.actor).await?;
    Ok(CategoriesPage {
        layout: viewer.layout("Categories", "categories"),
        categories: categories
            .iter()
            .map(|c| Row {
                id: c.id,
                name: c.name.as_str().to_owned(),
                form: match &failed {
                    Some((id, form)) if *id == c.id => form.clone(),
                    _ => Form::with(FormData::parse(
                        format!("name={}", crate::form::encode(c.name.as_str())).as_bytes(),
                    )),
                },
            })
            .collect(),
        add,
    })
}

fn again(page: &CategoriesPage) -> Result<Response, Failure> {
    Ok(render(page)?
        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response())
}

/// `GET /categories`.
pub async fn list<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    render(&page(&ui, &viewer, Form::new(), None).await?)
}

/// `POST /categories`.
pub async fn add<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let data = FormData::body(&mut request).await?;
    match ui
        .crm
        .create_category(&viewer.actor, data.get("name"))
        .await
    {
        Ok(category) => {
            flash(&request, true, &format!("{} added.", category.name));
            Ok(see_other("/categories"))
        }
        Err(error) => again(&page(&ui, &viewer, Form::with(data).failed(error)?, None).await?),
    }
}

/// `POST /categories/{id}/rename`.
pub async fn rename<S: Store>(ui: Arc<Ui<S>>, mut request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id: CategoryId = path_id(&request)?;
    let data = FormData::body(&mut request).await?;
    match ui
        .crm
        .rename_category(&viewer.actor, id, data.get("name"))
        .await
    {
        Ok(category) => {
            flash(&request, true, &format!("Renamed to {}.", category.name));
            Ok(see_other("/categories"))
        }
        Err(error) => {
            let failed = Some((id, Form::with(data).failed(error)?));
            again(&page(&ui, &viewer, Form::new(), failed).await?)
        }
    }
}

/// `POST /categories/{id}/delete`: its leads keep their place, uncategorized.
pub async fn delete<S: Store>(ui: Arc<Ui<S>>, request: Request) -> Result<Response, Failure> {
    let viewer = viewer(&ui, &request).await?;
    let id: CategoryId = path_id(&request)?;
    ui.crm.delete_category(&viewer.actor, id).await?;
    flash(&request, true, "Category deleted.");
    Ok(see_other("/categories"))
}
