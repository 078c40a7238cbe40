/* SPDX-License-Identifier: MIT */
/*
 * xsd_validate.c - libxml2 schema validation of Trace Compass XML analyses.
 *
 * libxml2 reports errors through callbacks, several per problem (and, by
 * default, on stderr). A structured handler keeps only the first error of
 * level "error" or worse, with its file and line, so the caller gets one
 * line and stderr stays clean. The handler is installed only around each
 * libxml2 call and reset afterwards.
 */
#include "tcxml/xsd_validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

struct collector {
	const char *default_file; /* borrowed: used when libxml2 gives no file */
	int have_error;
	char where[512];
	char msg[400];
};

#if LIBXML_VERSION >= 21200
static void on_error(void *user, const xmlError *e)
#else
static void on_error(void *user, xmlErrorPtr e)
#endif
{
	struct collector *c = user;
	size_t len;

	if (!e || e->level < XML_ERR_ERROR || c->have_error) {
		return;
	}
	c->have_error = 1;
	if (e->line > 0) {
		snprintf(c->where, sizeof(c->where), "%s:%d",
		         e->file && *e->file ? e->file : c->default_file, e->line);
	} else {
		snprintf(c->where, sizeof(c->where), "%s",
		         e->file && *e->file ? e->file : c->default_file);
	}
	snprintf(c->msg, sizeof(c->msg), "%s", e->message ? e->message : "unknown libxml2 error");
	/* one line, no final period or newline (vmflow's message style) */
	len = strlen(c->msg);
	while (len &&
	       (c->msg[len - 1] == '\n' || c->msg[len - 1] == ' ' || c->msg[len - 1] == '.')) {
		c->msg[--len] = '\0';
	}
	for (len = 0; c->msg[len]; len++) {
		if (c->msg[len] == '\n' || c->msg[len] == '\r') {
			c->msg[len] = ' ';
		}
	}
}

const char *vf_tcxml_default_xsd_dir(void)
{
	const char *env = getenv("VMFLOW_XSD_DIR");

	if (env && *env) {
		return env;
	}
#ifdef VMFLOW_XSD_DIR
	return VMFLOW_XSD_DIR;
#else
	return "/usr/local/share/vmflow/xsd";
#endif
}

xmlDocPtr vf_tcxml_parse_file(const char *xml_path, struct vf_error *err)
{
	struct collector c = {.default_file = xml_path};
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	FILE *probe;

	/* tell "cannot open" (an IO error) from "not well-formed" (an input error) */
	probe = fopen(xml_path, "rb");
	if (!probe) {
		VF_ERROR_SET(err, VF_ERR_IO, xml_path, "cannot open: %s", strerror(errno));
		return NULL;
	}
	fclose(probe);
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, xml_path, "out of memory creating an XML parser");
		return NULL;
	}
	xmlSetStructuredErrorFunc(&c, on_error);
	doc = xmlCtxtReadFile(ctxt, xml_path, NULL, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc || c.have_error || !ctxt->wellFormed) {
		if (c.have_error) {
			VF_ERROR_SET(err, VF_ERR_INPUT, c.where, "%s", c.msg);
		} else {
			VF_ERROR_SET(err, VF_ERR_INPUT, xml_path, "not a well-formed XML document");
		}
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

enum vf_status vf_tcxml_validate_doc(xmlDocPtr doc, const char *name, const char *xsd_dir,
                                     struct vf_error *err)
{
	struct collector c = {.default_file = name};
	char xsd_path[4096];
	xmlSchemaParserCtxtPtr pctxt;
	xmlSchemaValidCtxtPtr vctxt;
	xmlSchemaPtr schema;
	int rc;

	if (!xsd_dir) {
		xsd_dir = vf_tcxml_default_xsd_dir();
	}
	snprintf(xsd_path, sizeof(xsd_path), "%s/%s", xsd_dir, VF_TCXML_XSD_ENTRY);
	c.default_file = xsd_path;
	pctxt = xmlSchemaNewParserCtxt(xsd_path);
	if (!pctxt) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, xsd_path, "out of memory creating a schema parser");
		return VF_ERR_NOMEM;
	}
	xmlSchemaSetParserStructuredErrors(pctxt, on_error, &c);
	/* generic errors outside the schema parser's own channel (e.g. a missing file) */
	xmlSetStructuredErrorFunc(&c, on_error);
	schema = xmlSchemaParse(pctxt);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSchemaFreeParserCtxt(pctxt);
	if (!schema) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, c.have_error ? c.where : xsd_path,
		             "cannot load the Trace Compass schema: %s",
		             c.have_error ? c.msg : "unknown error");
		return VF_ERR_INTERNAL;
	}
	c.default_file = name;
	c.have_error = 0;
	vctxt = xmlSchemaNewValidCtxt(schema);
	if (!vctxt) {
		xmlSchemaFree(schema);
		VF_ERROR_SET(err, VF_ERR_NOMEM, name, "out of memory creating a schema validator");
		return VF_ERR_NOMEM;
	}
	xmlSchemaSetValidStructuredErrors(vctxt, on_error, &c);
	rc = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(schema);
	if (rc != 0) {
		if (c.have_error) {
			VF_ERROR_SET(err, VF_ERR_INPUT, c.where, "%s", c.msg);
		} else {
			VF_ERROR_SET(err, VF_ERR_INPUT, name,
			             "not valid against the Trace Compass schema (libxml2 code %d)",
			             rc);
		}
		return VF_ERR_INPUT;
	}
	return VF_OK;
}

enum vf_status vf_tcxml_validate_schema(const char *xml_path, const char *xsd_dir,
                                        struct vf_error *err)
{
	xmlDocPtr doc = vf_tcxml_parse_file(xml_path, err);
	enum vf_status st;

	if (!doc) {
		return err->status;
	}
	st = vf_tcxml_validate_doc(doc, xml_path, xsd_dir, err);
	xmlFreeDoc(doc);
	return st;
}
