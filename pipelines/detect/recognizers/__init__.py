"""Vietnamese PII recognizers for Presidio, one class per file."""
from .address import AddressRecognizer
from .age import AgeRecognizer
from .bhxh import BhxhRecognizer
from .bhyt import BhytRecognizer
from .case_number import CaseNumberRecognizer
from .cccd import CccdRecognizer
from .date_time import DateTimeRecognizer
from .email import EmailRecognizer
from .location import LocationRecognizer
from .patient_id import PatientIdRecognizer
from .person import PersonRecognizer
from .phone import PhoneRecognizer
from .staff_id import StaffIdRecognizer

ALL_RECOGNIZERS = (
    PersonRecognizer,
    CccdRecognizer,
    BhytRecognizer,
    BhxhRecognizer,
    StaffIdRecognizer,
    PhoneRecognizer,
    EmailRecognizer,
    AddressRecognizer,
    LocationRecognizer,
    DateTimeRecognizer,
    AgeRecognizer,
    PatientIdRecognizer,
    CaseNumberRecognizer,
)

__all__ = [cls.__name__ for cls in ALL_RECOGNIZERS] + ["ALL_RECOGNIZERS"]
