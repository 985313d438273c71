"""Password rules that speak Chinese where Django's own catalogue does not yet."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength


class MinimumLengthValidator(DjangoMinimumLength):
    # Django 5.2 reworded this message and its zh-hans catalogue lags behind: users saw English.
    def get_error_message(self):
        return f"密码太短：至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"
