import time, pytest
from decider.assessments.services import start_assessment
from decider.accounts.services import create_user

@pytest.mark.django_db
def test_speed(client, settings):
    t=time.time(); u=create_user(email="x@example.com", password="p"); print("user", time.time()-t)
    settings.PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    t=time.time(); u=create_user(email="y@example.com", password="p"); print("user md5", time.time()-t)
    t=time.time(); a=start_assessment(visitor="v"); print("start", time.time()-t)
    from tests.factories import as_visitor
    as_visitor(client, "v")
    t=time.time(); r=client.get(f"/a/{a.id}/report/"); print("report", time.time()-t, r.status_code)
    t=time.time(); r=client.get(f"/a/{a.id}/report/"); print("report", time.time()-t, r.status_code)
