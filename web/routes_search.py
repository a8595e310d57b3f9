"""The clerk's pages: search, a record with its page images, the citizen view."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response

from search.base import SearchError
from web import images, lookups
from web.accounts import CurrentUser
from web.deps import app_state, clerk, render, shows_full_ids
from web.labels import doc_type_labels

router = APIRouter(include_in_schema=False)

IMAGE_HEADERS = {"Cache-Control": "private, max-age=600"}


@router.get("/search")
def search_page(request: Request, q: str = "", doc_type: str = "", issuer: str = "", place: str = "",
                date_from: str = "", date_to: str = "", page: int = 1,
                user: CurrentUser = Depends(clerk)) -> Response:
    state = app_state(request)
    form = {"q": q, "doc_type": doc_type, "issuer": issuer, "place": place, "date_from": date_from,
            "date_to": date_to}
    asked = any(v.strip() for v in form.values())
    ctx = {"form": form, "doc_types": doc_type_labels(), "result": None, "error": None, "page": page, "pages": 0}
    status = 200
    if asked:
        try:
            query = lookups.build_query(q, doc_type, issuer, place, date_from, date_to, page)
            result = lookups.search(state, user, query)
            ctx.update(result=result, pages=min(math.ceil(result.total / query.limit),
                                                lookups.MAX_OFFSET // query.limit + 1))
        except lookups.BadQuery as exc:
            ctx["error"], status = str(exc), 400
        except SearchError as exc:
            ctx["error"], status = f"Chỉ mục tìm kiếm chưa sẵn sàng: {exc}", 503
    return render(request, "search.html", ctx, status_code=status)


@router.get("/records/{record_id}")
def record_page(request: Request, record_id: str, user: CurrentUser = Depends(clerk)) -> Response:
    state = app_state(request)
    record = lookups.view_record(state, user, record_id)
    try:
        pdf = images.archive_file(state.settings, record)
        pages = images.page_count(pdf)
    except images.NoImage:
        pages = 0
    full_ids = shows_full_ids(request, user)
    corrections = state.store.corrections(record_id)
    return render(request, "record.html", {
        "record": lookups.masked(record, full_ids), "full_ids": full_ids, "pages": pages,
        "persons": lookups.persons_of(record), "corrections": corrections,
        "file": state.store.get_file(record_id, record.get("pipeline_version") or "") if record.get("source") else None,
    })


def _archive(request: Request, record_id: str):  # noqa: ANN202
    state = app_state(request)
    record = lookups.get_record(state, record_id)
    try:
        return state, images.archive_file(state.settings, record)
    except images.NoImage:
        raise HTTPException(404, "Hồ sơ này không có bản lưu trữ PDF/A.") from None


@router.get("/records/{record_id}/pages/{page}.jpg")
def page_image(request: Request, record_id: str, page: int, user: CurrentUser = Depends(clerk)) -> Response:
    state, pdf = _archive(request, record_id)
    try:
        jpeg = images.page_jpeg(state.settings, pdf, page)
    except images.NoImage:
        raise HTTPException(404, "Không có trang này.") from None
    return FileResponse(jpeg, media_type="image/jpeg", headers=IMAGE_HEADERS)


@router.get("/records/{record_id}/region/{field}.png")
def field_region(request: Request, record_id: str, field: str, user: CurrentUser = Depends(clerk)) -> Response:
    """The part of the page the field was read from; 404 when the text layer does not hold it."""
    state, pdf = _archive(request, record_id)
    record = lookups.get_record(state, record_id)
    value = (record.get("fields") or {}).get(field)
    region = images.locate(pdf, field, value)
    if region is None:
        raise HTTPException(404, "Không tìm thấy vùng ảnh của trường này.")
    return Response(images.region_png(state.settings, pdf, region), media_type="image/png", headers=IMAGE_HEADERS)


@router.get("/records/{record_id}/pdf")
def archive_pdf(request: Request, record_id: str, user: CurrentUser = Depends(clerk)) -> Response:
    state, pdf = _archive(request, record_id)
    state.store.audit(user.username, "view_pdf", record_id=record_id)
    return FileResponse(pdf, media_type="application/pdf", filename=f"{record_id[:16]}.pdf",
                        content_disposition_type="inline", headers={"Cache-Control": "private, no-store"})


@router.get("/citizen")
def citizen_page(request: Request, id: str = "", name: str = "", dob: str = "", record: str = "",
                 role: str = "", user: CurrentUser = Depends(clerk)) -> Response:
    """By ID number, by name + date of birth, or for a person named in a record (record + role: then
    no ID number travels in the address bar)."""
    state = app_state(request)
    full_ids = shows_full_ids(request, user)
    ctx: dict = {"form": {"id": id, "name": name, "dob": dob}, "result": None, "error": None, "person": None,
                 "full_ids": full_ids}
    status = 200
    try:
        if record:
            person = lookups.person_from_record(lookups.get_record(state, record), role or "subject")
            ctx["person"] = person
            ctx["result"] = lookups.citizen(state, user, pid=person.pid, name=person.name, dob=person.dob,
                                            record_id=record)
        elif id or name or dob:
            ctx["result"] = lookups.citizen(state, user, pid=id, name=name, dob=dob)
    except lookups.BadQuery as exc:
        ctx["error"], status = str(exc), 400
    except SearchError as exc:
        ctx["error"], status = f"Chỉ mục tìm kiếm chưa sẵn sàng: {exc}", 503
    return render(request, "citizen.html", ctx, status_code=status)
