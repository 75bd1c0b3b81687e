"""The domains the app is made of. Importing this module imports every domain's
models (so that Base.metadata, and Alembic, see every table, and the engine every
workflow subject), its guards (so that the workflow files' guard names resolve) and the
access rules that register who may open a case. Each domain's init_app adds its pages to
the app. The core never imports it; the app factory, the runtime (and so the command
line) and the migrations do."""

from reserve_flow import appointments, contest, history, organizations, people, privacy, reserve
from reserve_flow.appointments import guards as _appointment_guards
from reserve_flow.appointments import models as _appointment_models
from reserve_flow.contest import access as _contest_access
from reserve_flow.contest.guards import applications as _application_guards
from reserve_flow.contest.guards import commission as _commission_guards
from reserve_flow.contest.guards import contests as _contest_guards
from reserve_flow.contest.models import applicants, commission, contests, documents, protocols
from reserve_flow.core.api import tokens as _api_token_models
from reserve_flow.core.audit import models as _audit_models
from reserve_flow.core.deadlines import models as _deadline_models
from reserve_flow.core.deadlines import scheduling as _scheduling_models
from reserve_flow.core.notifications import models as _outbox_models
from reserve_flow.organizations.models import monitoring
from reserve_flow.organizations.models import organizations as _organization_models
from reserve_flow.people import models as _people_models
from reserve_flow.privacy import models as _privacy_models
from reserve_flow.privacy.services import retention as _retention_job
from reserve_flow.reserve import access as _reserve_access
from reserve_flow.reserve import guards as _reserve_guards
from reserve_flow.reserve.models import membership, plan, programme

DOMAINS = (people, organizations, contest, reserve, appointments, history, privacy)
