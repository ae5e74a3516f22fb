from django.urls import path

from observability.gateway.views import ChatCompletionsView, MessagesView

urlpatterns = [
    path("chat/completions", ChatCompletionsView.as_view()),
    path("messages", MessagesView.as_view()),
]
