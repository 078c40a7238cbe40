/* SPDX-License-Identifier: MIT */
/*
 * report_assets.h - the inline stylesheet and script of report.html.
 */
#ifndef VMFLOW_EXPORTS_REPORT_ASSETS_H
#define VMFLOW_EXPORTS_REPORT_ASSETS_H

extern const char vf_report_css[];
extern const char vf_report_script[];

#endif /* VMFLOW_EXPORTS_REPORT_ASSETS_H */
