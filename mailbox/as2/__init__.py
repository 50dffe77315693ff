"""AS2 (RFC 4130): sans-I/O message, CMS, MIME, MIC and MDN code, a WSGI receiving server
(served by cheroot) and a sending client implementing the Mailbox protocol."""
