/* SPDX-License-Identifier: MIT */
/*
 * xml.h: the tests' one XML well-formedness check, for what lipc writes as XML (bench --svg):
 * elements nest and close, attributes are name="value", & and < are escaped, one root and no
 * text outside it. A document that breaks a rule fails the test with where it broke.
 */
#ifndef LIPC_TEST_XML_H
#define LIPC_TEST_XML_H

/* Check the document text; returns the name of its root element (a static buffer). */
const char *xml_check(const char *text);

#endif
