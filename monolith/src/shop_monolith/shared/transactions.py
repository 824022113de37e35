from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop_monolith.shared.errors import Conflict


def commit_or_conflict(session: Session, code: str, detail: str) -> None:
    """Commit; a unique constraint lost to a concurrent writer becomes a Conflict, not a 500."""
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise Conflict(code, detail) from error
