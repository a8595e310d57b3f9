"""The archivist's review queue: records the pipeline was unsure of, one field at a time."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from web import images, lookups
from web.accounts import CurrentUser
from web.corrections import correctable_fields
from web.deps import app_state, archivist, csrf_form, form_str, render
from web.labels import doc_type_labels

router = APIRouter(include_in_schema=False)


@router.get("/review")
def review_list(request: Request, doc_type: str = "", page: int = 1, user: CurrentUser = Depends(archivist)) -> Response:
    state = app_state(request)
    page = max(1, page)
    total, rows = lookups.review_queue(state, doc_type=doc_type or None, offset=(page - 1) * lookups.PAGE_SIZE)
    return render(request, "review_list.html", {
        "rows": rows, "total": total, "page": page, "pages": math.ceil(total / lookups.PAGE_SIZE),
        "doc_type": doc_type, "doc_types": doc_type_labels(),
    })


def _review_page(request: Request, user: CurrentUser, record_id: str, *, errors: dict[str, list[str]] | None = None,
                 typed: dict[str, str] | None = None, status_code: int = 200) -> Response:
    state = app_state(request)
    record = lookups.view_record(state, user, record_id)
    try:
        pdf = images.archive_file(state.settings, record)
        pages = images.page_count(pdf)
    except images.NoImage:
        pdf, pages = None, 0
    fields = record.get("fields") or {}
    doubtful = list(record.get("review_fields") or [])
    # doubtful fields first (in the pipeline's order), then the rest as printed
    order = doubtful + [f for f in fields if f not in doubtful]
    regions = {f: pdf is not None and images.locate(pdf, f, fields.get(f)) is not None for f in doubtful}
    addable = [f for f in correctable_fields(record) if f not in fields]
    return render(request, "review_record.html", {
        "record": record, "order": order, "doubtful": doubtful, "regions": regions, "pages": pages,
        "errors": errors or {}, "typed": typed or {}, "addable": addable,
        "corrected": record.get("corrected") or {}, "doc_types": doc_type_labels(),
        "corrections": state.store.corrections(record_id),
    }, status_code=status_code)


@router.get("/review/{record_id}")
def review_record(request: Request, record_id: str, user: CurrentUser = Depends(archivist)) -> Response:
    return _review_page(request, user, record_id)


@router.post("/review/{record_id}")
def save_correction(request: Request, record_id: str, user: CurrentUser = Depends(archivist),
                    form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    field = form_str(form, "field").strip()
    value = form_str(form, "value")
    checked, indexed = lookups.correct(state, user, record_id, field, value, form_str(form, "reason"))
    if not checked.ok:
        return _review_page(request, user, record_id, errors={field: checked.errors}, typed={field: value},
                            status_code=422)
    msg = "saved_later" if state.index.pending else "saved"
    return RedirectResponse(f"/review/{record_id}?msg={msg}#f-{field}", status_code=303)


@router.post("/review/{record_id}/done")
def finish_review(request: Request, record_id: str, user: CurrentUser = Depends(archivist),
                  form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    lookups.mark_reviewed(state, user, record_id)
    following = lookups.next_in_queue(state, record_id)
    target = f"/review/{following}?msg=reviewed" if following else "/review?msg=reviewed"
    return RedirectResponse(target, status_code=303)
