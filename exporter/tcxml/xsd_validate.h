/* SPDX-License-Identifier: MIT */
/*
 * xsd_validate.h - check a Trace Compass XML analysis file against the real
 * Trace Compass schemas (xmlDefinition.xsd and the files it includes) with
 * libxml2, as Trace Compass does before it loads a file.
 *
 * Documents are parsed safely: no network (XML_PARSE_NONET), no entity
 * substitution (no XML_PARSE_NOENT), no external DTD loading, no "huge"
 * mode. Errors come back as one line: err->where = "file:line", err->msg =
 * libxml2's first error message.
 */
#ifndef VMFLOW_TCXML_XSD_VALIDATE_H
#define VMFLOW_TCXML_XSD_VALIDATE_H

#include <libxml/tree.h>

#include "vmflow/error.h"

/* The schema entry point inside xsd_dir. */
#define VF_TCXML_XSD_ENTRY "xmlDefinition.xsd"

/* The schema folder to use when the caller gives none: $VMFLOW_XSD_DIR, else the build's copy. */
const char *vf_tcxml_default_xsd_dir(void);

/*
 * Parses xml_path and validates it against <xsd_dir>/xmlDefinition.xsd
 * (xsd_dir NULL: vf_tcxml_default_xsd_dir()). VF_OK if valid; VF_ERR_INPUT
 * for a malformed or invalid file; VF_ERR_IO if the file cannot be read;
 * VF_ERR_INTERNAL if the schema itself cannot be loaded.
 */
enum vf_status vf_tcxml_validate_schema(const char *xml_path, const char *xsd_dir,
                                        struct vf_error *err);

/*
 * Parses an XML file with the safe options above. Returns a new document
 * (free with xmlFreeDoc()) or NULL with err set ("file:line: message").
 */
xmlDocPtr vf_tcxml_parse_file(const char *xml_path, struct vf_error *err);

/* Validates an already parsed document; `name` is the file name used in errors. */
enum vf_status vf_tcxml_validate_doc(xmlDocPtr doc, const char *name, const char *xsd_dir,
                                     struct vf_error *err);

#endif /* VMFLOW_TCXML_XSD_VALIDATE_H */
