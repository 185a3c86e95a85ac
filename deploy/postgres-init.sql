-- Each service owns its data: one database per service.
CREATE DATABASE store OWNER moderation;
CREATE DATABASE queue OWNER moderation;
