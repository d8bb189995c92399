from __future__ import annotations

from django.urls import path

from tests.shells import fragments, views

__all__ = ["fragments", "urlpatterns"]  # importing fragments registers them

urlpatterns = [
    path("page/", views.page, name="shell-page"),
    path("stamped/", views.stamped),
    path("kept/", views.kept),
    path("user-in-template/", views.user_in_template),
    path("user-in-code/", views.user_in_code),
    path("csrf-form/", views.csrf_form),
    path("messages-listed/", views.messages_listed),
    path("message-added/", views.message_added),
    path("sets-cookie/", views.sets_cookie),
    path("vary-cookie/", views.vary_cookie),
    path("members/", views.members),
    path("user-and-fragment/", views.user_and_fragment),
    path("fragments-only/", views.fragments_only),
    path("template-response/", views.template_response),
    path("impure-not-found/", views.impure_not_found),
    path("cookie-count/", views.cookie_count),
    path("counted/", views.counted),
    path("class/", views.ShellView.as_view()),
    path("class-impure/", views.ImpureShellView.as_view()),
    path("account/", views.account),
    path("flaky/", views.flaky),
    path("tagged/<str:sku>/", views.tagged),
    path("tagged-by-callable/<str:sku>/", views.tagged_by_callable),
    path("tagged-but-impure/", views.tagged_but_impure),
    path("tagged-class/<str:sku>/", views.TaggedShellView.as_view()),
]
