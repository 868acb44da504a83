"""The stylesheet ``{%- auth0:head -%}`` carries: a plain look of Universal Login's default theme
(white box on a grey page, the documented button colour ``#635dff``), so that screenshots read
as a login page. Not Auth0's CSS: class names there change with every build ([DOC]
customize-templates.mdx), and nothing should rely on them.
"""

from __future__ import annotations

STYLESHEET = """
*,*::before,*::after{box-sizing:border-box}
html,body{margin:0}
body{background:#f3f3f5;color:#1e212a;font:16px/1.5 -apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
body._widget-auto-layout{display:flex;align-items:center;justify-content:center;min-height:100vh}
._widget{width:400px;max-width:100%;margin:24px}
body._widget-auto-layout ._widget{margin:24px auto}
.c-box{background:#fff;border-radius:5px;box-shadow:0 12px 40px rgba(0,0,0,.12);padding:40px}
.c-header{text-align:center;margin-bottom:24px}
.c-logo{width:52px;height:52px;margin:0 auto 24px;border-radius:50%;background:#635dff}
.c-header h1{font-size:24px;font-weight:400;margin:0 0 16px}
.c-description{font-size:14px;margin:0}
.c-description p{margin:0}
.ulp-alert{background:#fde8e8;border-left:4px solid #d03c38;color:#a42d29;font-size:14px;
padding:10px 14px;margin:0 0 16px}
.c-form{margin:0}
.c-field{margin:0 0 16px}
.c-field label{display:block;font-size:14px;color:#65676e;margin:0 0 4px}
.c-field input{width:100%;height:52px;padding:0 16px;border:1px solid #c9cace;border-radius:3px;
font:inherit}
.c-identifier{display:flex;justify-content:space-between;align-items:center;
border:1px solid #c9cace;border-radius:3px;padding:12px 16px;margin:0 0 16px;font-size:14px}
.c-link{color:#635dff;text-decoration:none;font-weight:600}
.c-forgot{font-size:14px;margin:-8px 0 16px}
.c-button{display:block;width:100%;height:52px;border-radius:3px;border:0;font:inherit;
cursor:pointer}
.c-button-primary{background:#635dff;color:#fff}
.ulp-alternate-action{text-align:center;font-size:14px;margin:16px 0}
.ulp-alternate-action p{margin:0}
.c-divider{display:flex;align-items:center;text-transform:uppercase;font-size:12px;
color:#65676e;margin:16px 0}
.c-divider::before,.c-divider::after{content:"";flex:1;border-bottom:1px solid #c9cace}
.c-divider span{padding:0 10px}
.c-social-form{margin:0 0 8px}
.c-button-social{background:#fff;color:#1e212a;border:1px solid #c9cace;text-align:left;
padding:0 16px}
[id^="ulp-container-"]>form{margin:8px 0}
[id^="ulp-container-"] button{font-family:inherit;font-size:16px;cursor:pointer}
""".strip().replace("\n", "")
