"""The buyer status page's settings (`status_page:`): the secret its links are derived from.

Links exist when both `public_url` and `status_page.secret` are set (`services/status_pages.py`
explains why the token is derived rather than stored). Write the secret as `${ENV}`; changing
it retires every link ever sent.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

MIN_SECRET_CHARS = 32


class StatusPageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: SecretStr | None = None

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"must be at least {MIN_SECRET_CHARS} characters (e.g. `openssl rand -hex 32`)")
        return value
