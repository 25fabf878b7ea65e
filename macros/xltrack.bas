Attribute VB_Name = "xltrack"
' xltrack's buttons and ribbon tab. Each macro only asks Python to run one command through
' xlwings; the work, the settings and the messages all live in xltrack.excel.entry, so that
' the same command runs from the command line and in the tests.
' Built into xltrack.xlsm by `xltrack build-workbook`: edit this file, not the workbook.
Option Explicit

Public Sub ValidateInbox()
    RunPython "import xltrack.excel.entry as e; e.validate_inbox()"
End Sub

Public Sub RunMonth()
    RunPython "import xltrack.excel.entry as e; e.run_month()"
End Sub

Public Sub OpenReport()
    RunPython "import xltrack.excel.entry as e; e.open_report()"
End Sub

Public Sub SpecialReports()
    RunPython "import xltrack.excel.entry as e; e.special_reports()"
End Sub

Public Sub KeyWorkFollowUps()
    RunPython "import xltrack.excel.entry as e; e.key_work_follow_ups()"
End Sub

Public Sub GenerateTemplates()
    RunPython "import xltrack.excel.entry as e; e.generate_templates()"
End Sub

Public Sub CheckSettings()
    RunPython "import xltrack.excel.entry as e; e.check_settings()"
End Sub

Public Sub IssueTemplates()
    RunPython "import xltrack.excel.entry as e; e.issue_templates()"
End Sub

Public Sub Chase()
    RunPython "import xltrack.excel.entry as e; e.chase()"
End Sub

' The ribbon calls back with the control that was clicked (customUI14.xml onAction).

Public Sub Ribbon_ValidateInbox(control As IRibbonControl)
    ValidateInbox
End Sub

Public Sub Ribbon_RunMonth(control As IRibbonControl)
    RunMonth
End Sub

Public Sub Ribbon_OpenReport(control As IRibbonControl)
    OpenReport
End Sub

Public Sub Ribbon_SpecialReports(control As IRibbonControl)
    SpecialReports
End Sub

Public Sub Ribbon_KeyWorkFollowUps(control As IRibbonControl)
    KeyWorkFollowUps
End Sub

Public Sub Ribbon_GenerateTemplates(control As IRibbonControl)
    GenerateTemplates
End Sub

Public Sub Ribbon_CheckSettings(control As IRibbonControl)
    CheckSettings
End Sub

Public Sub Ribbon_IssueTemplates(control As IRibbonControl)
    IssueTemplates
End Sub

Public Sub Ribbon_Chase(control As IRibbonControl)
    Chase
End Sub
