"""Vietnamese first, English second: the portal's words (``t(key)`` in templates)."""
from __future__ import annotations

LANGS = ("vi", "en")
WORDS: dict[str, tuple[str, str]] = {
    "portal": ("Cổng dữ liệu KCB AnDanh", "AnDanh KCB data portal"),
    "signin": ("Đăng nhập", "Sign in"), "signout": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"), "password": ("Mật khẩu", "Password"),
    "totp": ("Mã xác thực (TOTP)", "Authentication code (TOTP)"),
    "catalog": ("Danh mục dữ liệu", "Data catalog"), "query": ("Truy vấn SQL", "SQL query"),
    "requests": ("Yêu cầu trích xuất", "Extract requests"), "review": ("Thẩm định", "Review"),
    "admin": ("Quản trị", "Administration"), "audit": ("Nhật ký kiểm toán", "Audit log"),
    "account": ("Tài khoản", "Account"), "purpose": ("Mục đích sử dụng", "Purpose of use"),
    "declare_purpose": ("Khai báo mục đích", "Declare purpose"),
    "no_purpose": ("Chưa khai báo mục đích: chọn một mục đích đã đăng ký.",
                   "No purpose declared: choose one of your registered purposes."),
    "dataset": ("Bộ dữ liệu", "Dataset"), "releases": ("Các lần công bố", "Releases"),
    "dictionary": ("Từ điển dữ liệu", "Data dictionary"), "verified": ("Đã kiểm tra toàn vẹn", "Verified"),
    "not_verified": ("KHÔNG khớp manifest", "Does NOT match its manifest"),
    "suppressed_cells": ("Ô bị ẩn", "Suppressed cells"), "cells": ("Số ô", "Cells"),
    "utility": ("Tỷ lệ ô được công bố", "Share of cells published"),
    "charts": ("Biểu đồ", "Charts"), "by_month": ("Theo tháng", "By month"),
    "by_province": ("Theo tỉnh", "By province"), "by_chapter": ("Theo chương ICD-10", "By ICD-10 chapter"),
    "run": ("Chạy", "Run"), "download": ("Tải xuống", "Download"), "rows": ("dòng", "rows"),
    "truncated": ("Kết quả bị cắt bớt", "Result truncated"), "granted": ("Được cấp quyền", "Granted"),
    "not_granted": ("Chưa được cấp quyền", "Not granted"), "new_request": ("Tạo yêu cầu", "New request"),
    "state": ("Trạng thái", "State"), "project": ("Dự án", "Project"), "variables": ("Biến", "Variables"),
    "quasi_identifiers": ("Định danh gián tiếp", "Quasi-identifiers"), "sensitive": ("Biến nhạy cảm", "Sensitive"),
    "population_filter": ("Điều kiện quần thể", "Population filter"), "period": ("Thời kỳ", "Period"),
    "free_text": ("Cần văn bản tự do", "Free text needed"), "save": ("Lưu", "Save"),
    "submit": ("Gửi", "Submit"), "withdraw": ("Rút lại", "Withdraw"), "approve": ("Phê duyệt", "Approve"),
    "return": ("Trả lại", "Return"), "reject": ("Từ chối", "Reject"), "release": ("Phát hành", "Release"),
    "make_link": ("Tạo liên kết tải (dùng một lần)", "Create download link (single use)"),
    "refused": ("Bị từ chối", "Refused"), "public_key": ("Khóa công khai age", "age public key"),
    "api_token": ("Mã API", "API token"), "organisations": ("Tổ chức", "Organisations"),
    "users": ("Người dùng", "Users"), "grants": ("Quyền truy cập", "Grants"), "revoke": ("Thu hồi", "Revoke"),
    "verify": ("Kiểm tra chuỗi", "Verify the chain"), "breach_scope": ("Phạm vi sự cố", "Breach scope"),
    "approvals": ("Phê duyệt", "Approvals"), "manifest": ("Manifest đã ký", "Signed manifest"),
    "budgets": ("Ngân sách ε (riêng tư vi phân)", "ε budgets (differential privacy)"),
    "budgets_hint": ("Mỗi lần công bố có nhiễu tiêu tốn một phần ε; hết ngân sách thì không công bố thêm.",
                     "Each noisy release spends part of ε; once a budget is spent, nothing more is released."),
    "eps_left": ("còn lại", "left"), "eps_spent": ("đã dùng", "spent"), "eps_unset": ("chưa đặt", "not set"),
    "valid_to": ("hiệu lực đến", "valid to"), "at": ("Thời điểm", "At"),
    "no_budgets": ("Không có quyền dp_budget nào đang hiệu lực.", "No active dp_budget grant."),
    "home_hint": ("Chọn mục đích, rồi mở danh mục, biểu đồ hoặc truy vấn.",
                  "Choose a purpose, then open the catalog, a chart or a query."),
}


def translate(lang: str):
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        pair = WORDS.get(key)
        return pair[index] if pair else key
    return t
