import { normalizeAlert } from "./agents/src/enricher/normalize/index.js";
const s = JSON.stringify({
  "alert_id": "SEC-2025-0547","name": "Suspicious Authentication Activity","severity": "Medium","source": "SIEM","timestamp": "2025-05-07T22:15:30Z",
  "description": "Multiple failed login attempts followed by successful login from unusual location. See hxxp://evil[.]com/x and invoice.pdf winword.exe version 1.2.3.4",
  "details": {"user": "john.smith","source_ip": "203.0.113.42","failed_attempts": 5,"successful_login": true,"user_role": "Finance Administrator","typical_login_locations": ["New York", "Boston"],"current_login_location": "Unknown (Tor Exit Node)"},
  "affected_systems": ["finance.example.com", "payroll.example.com"],"tactic": "Initial Access","technique": "Valid Accounts",
  "raw_log": "May 7 03:14:22 auth-server sshd[12345]: Accepted password for john.smith from 203.0.113.42 port 54321"});
console.log(JSON.stringify(normalizeAlert(s), null, 1));
console.log(JSON.stringify(normalizeAlert('<134>Sep 14 08:12:44 fw01 CEF:0|Acme|Gate\\|way|2.1|1001|Large \\| Transfer|8|src=10.12.45.87 dst=198.51.100.23 dpt=443 request=https://x.evil.net/a?b=c msg=hello a\\=b world cs1Label=User Name cs1=jane.doe')));
console.log(JSON.stringify(normalizeAlert('{"a":')));
console.log(JSON.stringify(normalizeAlert('{"a":1}')));
