DROP TABLE IF EXISTS reports, notifications, attachments, message_reads, messages,
    message_templates, participants, conversations, listings, bookings, workshop_services,
    workshops, users CASCADE;
