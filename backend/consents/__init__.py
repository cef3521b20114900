"""The patient's consent to remote monitoring, given at enrolment after reading a version
of the information notice (questionnaires/notices), and its withdrawal."""
