/* SPDX-License-Identifier: MIT */
/*
 * tc_readme.c - writes tracecompass/README.md. The menu and button names are
 * Trace Compass' own (Project Explorer context menus "Manage XML analyses...",
 * "Open Trace...", "Select Traces...", the "Manage XML analyses files"
 * dialog's Import and "Apply and Close"), so a user can follow the steps
 * literally. The text names the analysis and view labels that tc_xml.c writes.
 */
#include "exports/tc_readme.h"

#include <errno.h>
#include <string.h>

#include "exports/tc_xml.h"

enum vf_status vf_tc_readme_write(FILE *fp, const struct vf_trace_info *info, struct vf_error *err)
{
	const char *host = info && info->path[0] ? info->path : NULL;

	fputs("# vmflow results in Trace Compass\n"
	      "\n"
	      "This folder holds:\n"
	      "\n"
	      "- `vmflow.xml`: a Trace Compass data-driven analysis (state provider "
	      "`" VF_TC_XML_ANALYSIS_ID "`,\n"
	      "  label \"vmflow results\") and its time-graph view \"vmflow: vCPU states\";\n"
	      "- `results/`: a CTF trace of vmflow's vCPU states, on the clock of the host trace, "
	      "so it\n"
	      "  lines up with the host trace's events.\n"
	      "\n"
	      "## 1. Import the analysis (once per Trace Compass workspace)\n"
	      "\n"
	      "1. In the **Project Explorer**, expand your tracing project, right-click the "
	      "**Traces**\n"
	      "   folder and choose **Manage XML analyses...** (or: **Window > Preferences > "
	      "Tracing >\n"
	      "   XML Analyses**).\n"
	      "2. Click **Import**, select this folder's `vmflow.xml` and open it. Trace Compass\n"
	      "   validates the file and adds it to the list.\n"
	      "3. Make sure the box next to `vmflow.xml` is checked, then click **Apply and "
	      "Close**.\n"
	      "\n"
	      "## 2. Open the host trace and the results together\n"
	      "\n",
	      fp);
	if (host) {
		fprintf(fp, "The host trace vmflow analysed: `%s`.\n\n", host);
	}
	fputs(
	    "1. Right-click **Traces** > **Open Trace...**, and select the host trace's `metadata` "
	    "file\n"
	    "   (the CTF trace folder, e.g. `<session>/kernel/metadata`).\n"
	    "2. Right-click **Traces** > **Open Trace...** again and select `results/metadata` in "
	    "this\n"
	    "   folder. It opens as a *Common Trace Format* trace.\n"
	    "3. Right-click **Experiments** > **New...**, name it (e.g. `vmflow`), click **OK**; "
	    "then\n"
	    "   right-click the new experiment > **Select Traces...**, check both traces and "
	    "click\n"
	    "   **Finish**. (Recent versions also offer: select both traces, right-click > **Open "
	    "As\n"
	    "   Experiment...**.)\n"
	    "4. Double-click the experiment to open it.\n"
	    "\n"
	    "## 3. Open the view\n"
	    "\n"
	    "In the **Project Explorer**, expand the experiment > **Views** > **vmflow results** "
	    "and\n"
	    "double-click **vmflow: vCPU states**. It shows one tree node per VM (named by its "
	    "QEMU\n"
	    "process id) and one row per vCPU, coloured by state; the view's **Show Legend** "
	    "toolbar\n"
	    "button lists the colours:\n"
	    "\n"
	    "| state (`states.tsv` value) | colour |\n"
	    "|---|---|\n"
	    "| guest code, L1 (`guest`) | green |\n"
	    "| nested guest code (`guest_l2`, `guest_l3`, ...) | darker greens |\n"
	    "| hypervisor, handling an exit (`hypervisor`) | red |\n"
	    "| preempted by a host process / another vCPU (`preempted_host`, `preempted_vm`) | "
	    "orange |\n"
	    "| waiting for a timer / another task (IPI) / disk / network (`wait_timer`, "
	    "`wait_task`, `wait_disk`, `wait_net`) | blue / violet / purple / pink |\n"
	    "| blocked in the host (`wait_host`) | brown |\n"
	    "| waiting, cause unknown (`wait_unknown`) | dark grey |\n"
	    "| no evidence yet (`unknown`) | light grey |\n"
	    "\n"
	    "The exit reason of each `hypervisor` interval is in the state system too: **Window >\n"
	    "Show View > Tracing > State System Explorer**, state system `" VF_TC_XML_ANALYSIS_ID
	    "`,\n"
	    "attribute `VMs/<pid>/vCPUs/<n>/Exit`. There, `Status` holds an int code; the\n"
	    "`definedValue`s at the top of the state provider in `vmflow.xml` map each code to "
	    "its\n"
	    "`states.tsv` name.\n"
	    "\n"
	    "## Notes\n"
	    "\n"
	    "- The analysis applies to every CTF trace, so it is also listed (with an empty "
	    "result)\n"
	    "  under the host trace alone; open the view from the experiment or the results "
	    "trace.\n"
	    "- Trace Compass keeps an analysis' results between sessions. After re-running vmflow\n"
	    "  into the same folder, right-click the results trace > **Delete Supplementary "
	    "Files...**\n"
	    "  before opening it again (vmflow changes the analysis `version` whenever its output\n"
	    "  format changes, which also forces a rebuild).\n"
	    "- `vmflow tcxml validate vmflow.xml` checks the file against Trace Compass' schemas\n"
	    "  without the GUI.\n",
	    fp);
	if (fflush(fp) != 0 || ferror(fp)) {
		VF_ERROR_SET(err, VF_ERR_IO, NULL, "cannot write README.md: %s", strerror(errno));
		return VF_ERR_IO;
	}
	return VF_OK;
}
