# tcp-hello's expectations, checked with grep on what a baseline collected: sourced by
# tcp-hello-docker-cli.sh and tcp-hello-compose.sh, which set $client, $server_out,
# $server_netstat, $server_ps and $client_ps, and define fail().
grep -q 'Hello World!' <<<"$client" || fail "the client did not print Hello World!"
grep -q 'connection from 10.0.0.20:' <<<"$server_out" || fail "the server did not see 10.0.0.20"
grep -Eq '^tcp .* 0\.0\.0\.0:60001 .* LISTEN +[0-9]+/node' <<<"$server_netstat" || fail "nothing listens on 60001"
grep -Eq '^tcp .* 10\.0\.0\.10:60001 +10\.0\.0\.20:[0-9]+ ' <<<"$server_netstat" || fail "no connection in the server's netstat"
grep -q 'tcp-hello-server' <<<"$server_ps" || fail "the server program is not running"
! grep -q 'tcp-hello' <<<"$client_ps" || fail "a tcp-hello program runs on the client"
