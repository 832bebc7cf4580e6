/**
 * @file outcome.c  What became of a call, from its final SIP response.
 *
 * The names are the ones dialog grading and the dialer know. The mapping
 * is deliberately small: the codes trunks actually send for a callee who
 * is busy, does not answer, refuses, does not exist, or a network that
 * cannot route the call. Everything else is "failed" with its code kept,
 * so a report can still tell a 403 from a 488.
 */
#include <errno.h>
#include "sip/ua.h"

const char *ua_outcome_name(enum ua_outcome o)
{
	switch (o) {
	case UA_ANSWERED:
		return "answered";
	case UA_BUSY:
		return "busy";
	case UA_NO_ANSWER:
		return "no_answer";
	case UA_REJECTED:
		return "rejected";
	case UA_INVALID_NUMBER:
		return "invalid_number";
	case UA_UNAVAILABLE:
		return "unavailable";
	case UA_FAILED:
		break;
	}
	return "failed";
}

enum ua_outcome ua_outcome_from_code(uint16_t code)
{
	if (code >= 200 && code < 300)
		return UA_ANSWERED;

	switch (code) {
	case 486:
	case 600:
		return UA_BUSY;
	case 408:
	case 480:
		return UA_NO_ANSWER;
	case 603:
		return UA_REJECTED;
	case 404:
	case 410:
	case 484:
		return UA_INVALID_NUMBER;
	case 500:
	case 502:
	case 503:
		return UA_UNAVAILABLE;
	default:
		return UA_FAILED;
	}
}

enum ua_outcome ua_outcome_from_err(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return UA_NO_ANSWER;
	case ECONNREFUSED:
	case ECONNRESET:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return UA_UNAVAILABLE;
	default:
		return UA_FAILED;
	}
}
