#!/bin/sh
# coturn as the chat's calls need it: credentials in the TURN REST convention, checked with
# the secret presence signs them with (TURN_SECRET), nothing else accepted; relays on
# TURN_RELAY_PORTS; TURN_EXTERNAL_IP when the host is behind NAT (its public address, or
# public/private). Peers on private and link-local networks are refused, so the relay
# cannot be turned on the deployment's own network. Extra coturn options may follow.
set -eu
: "${TURN_SECRET:?set TURN_SECRET, the same as presence has}"
relay_ports=${TURN_RELAY_PORTS:-49160-49999}
set -- -n --use-auth-secret --static-auth-secret="$TURN_SECRET" --realm="${TURN_REALM:-chat}" \
    --listening-port="${TURN_PORT:-3478}" --min-port="${relay_ports%-*}" --max-port="${relay_ports#*-}" \
    --fingerprint --no-cli --no-tls --no-dtls --no-multicast-peers --log-file=stdout --simple-log \
    ${TURN_EXTERNAL_IP:+--external-ip="$TURN_EXTERNAL_IP"} ${TURN_LISTEN_IP:+--listening-ip="$TURN_LISTEN_IP" --relay-ip="$TURN_LISTEN_IP"} \
    --denied-peer-ip=0.0.0.0-0.255.255.255 --denied-peer-ip=10.0.0.0-10.255.255.255 \
    --denied-peer-ip=100.64.0.0-100.127.255.255 --denied-peer-ip=169.254.0.0-169.254.255.255 \
    --denied-peer-ip=172.16.0.0-172.31.255.255 --denied-peer-ip=192.168.0.0-192.168.255.255 \
    --denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --denied-peer-ip=fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff \
    ${TURN_LOOPBACK_PEERS:+--allow-loopback-peers} "$@"
exec turnserver "$@"
