"""Date formats for zh-hans, the platform's one language.

Django's own zh-hans formats list `%Y/%m/%d` first, and a form renders a date value in the first
input format: a `type=date` input, which takes only ISO `2026-12-01`, then arrives empty. Listing
ISO first here fixes every date input at once; the other forms people type are still read.
What people *see* is `2026年12月1日` (the `cndate` filter), never these.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y年%n月%j日"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d"]
