"""The clerk's and the archivist's day in a real browser (chromium headless at 1366x768): log in, search
without diacritics, open a record, correct a field in the review queue, find the corrected value by
search; a clerk cannot reach the admin pages. Saves the README's screenshots to docs/screenshots/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, web_data, role: str) -> None:
    username, password = web_data.user(role)
    page.goto(f"{base}/login")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(re.compile(r"/search$"))


def row_of(page: Page, record_id: str):
    return page.locator("tr.hit", has=page.locator(f'a[href="/records/{record_id}"]'))


def test_clerk_searches_without_diacritics_and_opens_a_record(page: Page, live_server, web_data, screenshots):
    log_in(page, live_server, web_data, "clerk")
    page.get_by_label("Từ khóa tìm kiếm").fill("nguyen thi thu ha")
    page.get_by_role("button", name="Tìm kiếm").click()
    row = row_of(page, web_data.ids["ha"])
    expect(row).to_contain_text("Nguyễn Thị Thu Hà")
    expect(row).to_contain_text("0361******06")  # masked in the list
    expect(page.locator("tr.snippet mark").first).to_be_visible()
    page.screenshot(path=str(screenshots / "search.png"))
    row.get_by_role("link", name="Giấy khai sinh").click()
    expect(page).to_have_url(re.compile(rf"/records/{web_data.ids['ha']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Giấy khai sinh")
    fields = page.locator("table.fields")
    expect(fields).to_contain_text("Nguyễn Thị Thu Hà")
    expect(fields).to_contain_text("26/06/1990")
    expect(fields).to_contain_text("0361******06")  # a clerk sees it masked here too (web_full_id_roles)
    expect(page.get_by_text("Xem mọi hồ sơ của người này").first).to_be_visible()


def test_record_page_shows_the_page_image_beside_the_fields(page: Page, live_server, web_data, screenshots):
    record_id = web_data.ingested_id()
    log_in(page, live_server, web_data, "archivist")
    page.goto(f"{live_server}/records/{record_id}")
    image = page.locator("img.page").first
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(page.locator("dl.prov")).to_contain_text(record_id)
    page.screenshot(path=str(screenshots / "record.png"))


def test_archivist_corrects_a_field_and_finds_it_by_search(page: Page, live_server, web_data, screenshots):
    record_id = web_data.ids["tuan"]
    log_in(page, live_server, web_data, "archivist")
    page.get_by_label("Từ khóa tìm kiếm").fill("trinh van tuan")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(row_of(page, record_id)).to_contain_text("Trịnh Văn Tuẩn")  # as OCR read it

    page.get_by_role("link", name="Kiểm tra", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Hàng đợi kiểm tra"))).to_be_visible()
    page.screenshot(path=str(screenshots / "review-queue.png"))
    page.locator(f'a[href="/review/{record_id}"]').click()
    card = page.locator("#f-subject_name")
    expect(card).to_contain_text("cần kiểm tra")
    card.get_by_label("Giá trị đúng của Họ tên người được cấp").fill("Trịnh Văn Tuấn")
    card.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash.ok")).to_contain_text("Đã lưu sửa đổi")
    expect(page.locator("#f-subject_name")).to_contain_text("đã sửa bởi luutru")

    page.goto(f"{live_server}/search?q=trinh+van+tuan")
    expect(row_of(page, record_id)).to_contain_text("Trịnh Văn Tuấn")
    page.goto(f"{live_server}/records/{record_id}")
    expect(page.locator("table.history")).to_contain_text("Trịnh Văn Tuẩn")  # the old value is kept

    # the README's review screenshot: the ingested page, its doubtful fields with their image regions
    ingested = web_data.ingested_id()
    page.goto(f"{live_server}/review/{ingested}")
    region = page.locator("img.region").first
    expect(region).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=region.element_handle())
    page.screenshot(path=str(screenshots / "review.png"))


def test_clerk_cannot_reach_the_admin_pages(page: Page, live_server, web_data):
    log_in(page, live_server, web_data, "clerk")
    nav = page.locator("nav.main-nav")
    expect(nav).to_contain_text("Tra cứu")
    for label in ("Người dùng", "Nhật ký truy cập", "Kiểm tra", "Lô số hóa"):
        expect(nav.get_by_role("link", name=label)).to_have_count(0)
    for path in ("/admin/users", "/admin/audit", "/admin/audit.csv", "/review", "/batches"):
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Không có quyền truy cập")
