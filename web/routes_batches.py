"""Batches: archivists upload scans or name a server folder, launch the ingest, follow it, read the report."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from web.accounts import CurrentUser
from web.batches import BatchError
from web.deps import app_state, archivist, csrf_form, form_str, render
from web.security import csrf_valid

router = APIRouter(include_in_schema=False)


def _batches_page(request: Request, error: str | None = None, status_code: int = 200, folder: str = "") -> Response:
    state = app_state(request)
    return render(request, "batches.html", {
        "batches": state.batches.list(), "error": error, "folder": folder,
        "roots": state.batches.allowed_roots(), "max_mb": state.settings.web_upload_max_mb,
    }, status_code=status_code)


@router.get("/batches")
def batches(request: Request, user: CurrentUser = Depends(archivist)) -> Response:
    return _batches_page(request)


@router.post("/batches/upload")
async def upload(request: Request, user: CurrentUser = Depends(archivist)) -> Response:
    """Multipart: parsed here, after the role check, so nobody streams files in without an account."""
    state = app_state(request)
    # refuse an oversized batch before the multipart parser spools it to disk
    limit = state.settings.web_upload_max_mb * 1_000_000 + 1_000_000
    if int(request.headers.get("content-length") or 0) > limit:
        return _batches_page(request, f"Lô tải lên vượt quá {state.settings.web_upload_max_mb} MB", 413)
    form = await request.form(max_files=1000, max_fields=20)
    try:
        token = form.get("csrf_token")
        if not csrf_valid(state.secret, user.session_token, token if isinstance(token, str) else None):
            raise HTTPException(403, "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.")
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        batch_id = state.batches.new_batch_id()
        folder = state.batches.save_uploads(batch_id, [(f.filename or "scan", f.file) for f in files])
        state.batches.launch(batch_id, [folder], who=user.username, source="upload")
    except BatchError as exc:
        return _batches_page(request, str(exc), 400)
    finally:
        await form.close()
    state.store.audit(user.username, "batch", detail={"batch_id": batch_id, "source": "upload"})
    return RedirectResponse(f"/batches/{batch_id}?msg=batch_started", status_code=303)


@router.post("/batches/folder")
def from_folder(request: Request, user: CurrentUser = Depends(archivist), form: FormData = Depends(csrf_form)) -> Response:
    state = app_state(request)
    text = form_str(form, "folder")
    try:
        folder = state.batches.check_folder(text)
        batch_id = state.batches.new_batch_id()
        state.batches.launch(batch_id, [folder], who=user.username, source="folder")
    except BatchError as exc:
        return _batches_page(request, str(exc), 400, folder=text)
    state.store.audit(user.username, "batch", detail={"batch_id": batch_id, "source": "folder", "folder": str(folder)})
    return RedirectResponse(f"/batches/{batch_id}?msg=batch_started", status_code=303)


def _batch(request: Request, batch_id: str):  # noqa: ANN202
    row = app_state(request).batches.get(batch_id)
    if row is None:
        raise HTTPException(404, "Không có lô này.")
    return row


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: str, user: CurrentUser = Depends(archivist)) -> Response:
    state = app_state(request)
    row = _batch(request, batch_id)
    return render(request, "batch.html", {
        "batch": row, "progress": state.batches.progress(batch_id),
        "log": state.batches.log_tail(batch_id) if row.status in ("interrupted", "running") else "",
    })


@router.get("/batches/{batch_id}/progress")
def batch_progress(request: Request, batch_id: str, user: CurrentUser = Depends(archivist)) -> Response:
    """Polled by static/app.js every two seconds while the batch runs."""
    _batch(request, batch_id)
    return JSONResponse(app_state(request).batches.progress(batch_id), headers={"Cache-Control": "no-store"})


@router.post("/batches/{batch_id}/retry")
def retry(request: Request, batch_id: str, user: CurrentUser = Depends(archivist),
          form: FormData = Depends(csrf_form)) -> Response:
    """Run an interrupted batch again: the ledger skips what was stored, so nothing is done twice."""
    state = app_state(request)
    row = _batch(request, batch_id)
    try:
        from pathlib import Path

        state.batches.launch(batch_id, [Path(p) for p in row.paths], who=user.username, source=row.source)
    except BatchError as exc:
        return _batches_page(request, str(exc), 400)
    state.store.audit(user.username, "batch", detail={"batch_id": batch_id, "retry": True})
    return RedirectResponse(f"/batches/{batch_id}?msg=batch_started", status_code=303)
