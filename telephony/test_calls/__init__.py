"""The editor's test calls: chat tests kept in the call history, browser voice tests, and flow
scenarios run by voice."""
