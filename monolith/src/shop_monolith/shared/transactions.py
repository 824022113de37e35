from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_monolith.shared.errors import Conflict


def flush_or_conflict(session: Session, code: str, detail: str) -> None:
    """Flush, so the caller can record what happened before it commits; a unique constraint
    lost to a concurrent writer becomes a Conflict, not a 500."""
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise Conflict(code, detail) from error
