"""DingTalk (钉钉): the robot's 单聊 through the official Stream SDK (an outbound WebSocket, so the server needs
no public address), replies and notifications through the robot's OpenAPI. See docs/dingtalk.md."""
