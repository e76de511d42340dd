from core.formats import PEOPLE_DATE_INPUT_FORMATS

DATE_INPUT_FORMATS = PEOPLE_DATE_INPUT_FORMATS

# What people read follows the same rule (docs/core.md): day first, 24-hour times, so a date
# copied from a page or an export types back as the same day.
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
