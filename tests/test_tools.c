/* SPDX-License-Identifier: MIT */
/*
 * The tests' own tools, tested: a check that cannot fail proves nothing, so each shared tool is
 * shown both passing what it must pass and failing what it must refuse. The JSON reader (json.h)
 * and the XML check (xml.h) refuse every fault a writer commits; CHECK_USAGE_ERRORS refuses a
 * command that is not a usage error, or not the one expected; CHECK_EXAMPLE_OUTPUT refuses an
 * output that differs. A refusal fails the test, so each one runs in a child, whose status 1
 * (a failed CHECK) is what is checked; its message goes to /dev/null.
 */
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "json.h"
#include "xml.h"

/* Run fn(arg) in a child that must fail (status 1); what describes the case in a report. */
static void must_fail(void (*fn)(const char *), const char *arg, const char *what)
{
	pid_t pid = check_fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDERR_FILENO) < 0)
			_exit(2);
		fn(arg);
		_exit(0);
	}
	status = check_wait(pid);
	if (status != 1)
		check_fail(__FILE__, __LINE__, "%s: status %d, not 1 (refused)", what, status);
}

static void parse_and_free(const char *text)
{
	json_free(json_parse(text));
}

static void json_accepts_and_decodes(void)
{
	struct jval *v =
		json_parse(" {\"s\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\n\","
			   " \"raw\": \"caf\xc3\xa9\", \"i\": -42, \"z\": 0, \"f\": 1.5e3,"
			   " \"big\": 99999999999999999999, \"n\": null, \"t\": true,"
			   " \"b\": false, \"a\": [1, [], {}, \"x\"], \"o\": {\"k\": \"v\"}"
			   "}\n");
	const struct jval *a;

	CHECK(v->t == J_OBJ);
	CHECK_EQ(v->n, 11);
	CHECK_STR(jstr(v, "s"), "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \n");
	CHECK_STR(jstr(v, "raw"), "caf\xc3\xa9");
	CHECK_EQ(jnum(v, "i"), -42);
	CHECK_EQ(jnum(v, "z"), 0);
	CHECK(jget(v, "f")->t == J_NUM && !jget(v, "f")->integer && jget(v, "f")->num == 1500);
	/* Too large for a long long: a number, not an integer. */
	CHECK(jget(v, "big")->t == J_NUM && !jget(v, "big")->integer);
	CHECK(jnull(v, "n"));
	CHECK(!jnull(v, "t"));
	CHECK(jget(v, "t")->t == J_BOOL && jget(v, "t")->b);
	CHECK(jget(v, "b")->t == J_BOOL && !jget(v, "b")->b);
	a = jget(v, "a");
	CHECK(a->t == J_ARR && a->n == 4);
	CHECK(a->items[1].t == J_ARR && a->items[1].n == 0);
	CHECK(a->items[2].t == J_OBJ && a->items[2].n == 0);
	CHECK_STR(a->items[3].str, "x");
	CHECK_STR(jstr(jget(v, "o"), "k"), "v");
	json_free(v);
}

static void json_refuses_what_json_is_not(void)
{
	static const char *const bad[] = {
		"",
		"{} {}",
		"[1,]",
		"{\"a\": 1,}",
		"{\"a\" 1}",
		"{a: 1}",
		"{\"a\": 1, \"a\": 2}",
		"[01]",
		"[0x10]",
		"[1.]",
		"[.5]",
		"[1e]",
		"[+1]",
		"[nan]",
		"[inf]",
		"[tru]",
		"[\"never ends]",
		"[\"a\tb\"]",		/* a raw control character */
		"[\"\xff\"]",		/* not UTF-8 */
		"[\"\xc0\xaf\"]",	/* an overlong '/' */
		"[\"\xed\xa0\x80\"]",	/* a surrogate, encoded */
		"[\"\xe2\x82\"]",	/* cut short */
		"[\"\\x41\"]",		/* not a JSON escape */
		"[\"\\u12\"]",		/* a short \u escape */
		"[\"\\udc00\"]",	/* a lone low surrogate */
		"[\"\\ud800\"]",	/* a high surrogate alone */
		"[\"\\ud800\\u0041\"]", /* a high surrogate, then no low one */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		must_fail(parse_and_free, bad[i], bad[i]);
}

static void get_missing_key(const char *text)
{
	struct jval *v = json_parse(text);

	jget(v, "nope");
}

static void str_of_a_number(const char *text)
{
	struct jval *v = json_parse(text);

	jstr(v, "n");
}

static void num_of_a_fraction(const char *text)
{
	struct jval *v = json_parse(text);

	jnum(v, "n");
}

static void json_accessors_refuse_the_wrong_type(void)
{
	must_fail(get_missing_key, "{\"n\": 1}", "jget of a missing key");
	must_fail(get_missing_key, "[1]", "jget in an array");
	must_fail(str_of_a_number, "{\"n\": 1}", "jstr of a number");
	must_fail(num_of_a_fraction, "{\"n\": 1.5}", "jnum of a fraction");
	must_fail(num_of_a_fraction, "{\"n\": \"1\"}", "jnum of a string");
}

static void xml_check_and_ignore(const char *text)
{
	xml_check(text);
}

static void xml_accepts_and_refuses(void)
{
	static const char *const bad[] = {
		"",
		"text",
		"<svg>",
		"<svg></g>",
		"<svg/><svg/>",
		"<svg/>text",
		"<svg>a & b</svg>",
		"<svg>&nbsp;</svg>",
		"<svg a=b/>",
		"<svg a=\"b/>",
		"<svg a=\"x & y\"/>",
		"<svg a=\"<\"/>",
		"</svg>",
		"<svg></svg",
		"<?xml version=\"1.0\"",
	};

	CHECK_STR(xml_check("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
			    "a=\"&lt;&amp;&#38;&#x26;\">\n<g><text x=\"1\">a &lt; b &gt; "
			    "c</text><rect/></g>\n</svg>\n"),
		  "svg");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		must_fail(xml_check_and_ignore, bad[i], bad[i]);
}

static void usage_case(const char *which)
{
	/* lipc --help succeeds; a usage error with another message; with another Try line. */
	static const struct check_usage success[] = { { NULL, "", { "--help" } } };
	static const struct check_usage message[] = {
		{ NULL, "a message lipc never prints", { "frob" } },
	};
	static const struct check_usage try[] = { { "recv", "'frob' is not", { "frob" } } };

	if (!strcmp(which, "success"))
		CHECK_USAGE_ERRORS(success);
	else if (!strcmp(which, "message"))
		CHECK_USAGE_ERRORS(message);
	else
		CHECK_USAGE_ERRORS(try);
}

static void usage_errors_refuse_what_is_not_one(void)
{
	static const struct check_usage good[] = {
		{ NULL, "'frob' is not a lipc command", { "frob" } },
		{ "recv", "missing ADDRESS", { "recv" } },
	};

	CHECK_USAGE_ERRORS(good);
	must_fail(usage_case, "success", "lipc --help as a usage error");
	must_fail(usage_case, "message", "another message");
	must_fail(usage_case, "try", "another Try line");
}

static void example_with_wrong_output(const char *expected)
{
	CHECK_EXAMPLE_OUTPUT("pipe_parent_child", check_no_numbers, expected, NULL);
}

static void example_output_refuses_another(void)
{
	static const char *const right = "parent N: writing N lines to child N\n"
					 "child  N: got first line\n"
					 "child  N: got second line\n"
					 "child  N: got third line\n"
					 "child  N: end of file\n"
					 "parent N: child exited with status N\n";

	CHECK_EXAMPLE_OUTPUT("pipe_parent_child", check_no_numbers, right, NULL);
	must_fail(example_with_wrong_output, "parent N: writing N lines to child N\n",
		  "a part of the output");
	must_fail(example_with_wrong_output, "", "no output");
	check_example_remove("pipe_parent_child");
}

CHECK_MAIN(TEST(json_accepts_and_decodes), TEST(json_refuses_what_json_is_not),
	   TEST(json_accessors_refuse_the_wrong_type), TEST(xml_accepts_and_refuses),
	   TEST(usage_errors_refuse_what_is_not_one), TEST(example_output_refuses_another))
