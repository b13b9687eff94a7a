; Inno Setup script: turns the PyInstaller folder (dist\blip-assistant) into an installer.
;
;   pyinstaller --noconfirm packaging\pyinstaller\blip-assistant.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\blip-assistant.iss
;
; Installs per user (no administrator rights needed), adds a Start menu entry, and
; optionally a desktop icon and a start at sign-in (so the global hotkeys are always ready).
; Model weights are not included: the app asks before downloading them on first run.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "BLIP Assistant"
#define AppExe "blip-assistant.exe"

[Setup]
AppId={{6B3E6C2A-5D1F-4E0B-9A7C-B11B2A551575}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=The BLIP Assistant developers
DefaultDirName={autopf}\BLIP Assistant
DefaultGroupName=BLIP Assistant
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=blip-assistant-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\blip-assistant.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop icon"; GroupDescription: "Additional icons:"; Flags: unchecked
Name: "startup"; Description: "Start BLIP Assistant when I &sign in (so its hotkeys are always ready)"; GroupDescription: "Start-up:"; Flags: unchecked

[Files]
Source: "..\..\dist\blip-assistant\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\BLIP Assistant"; Filename: "{app}\{#AppExe}"; Comment: "Describe the screen or an image aloud, privately"
Name: "{group}\Uninstall BLIP Assistant"; Filename: "{uninstallexe}"
Name: "{autodesktop}\BLIP Assistant"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; The same per-user Run value as Settings, General, "Start when I sign in" (assistant/core/autostart.py):
; started hidden, at low priority, it says "BLIP Assistant ready". Settings turns it off again.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "BLIP Assistant"; ValueData: """{app}\{#AppExe}"" --autostart"; Flags: uninsdeletevalue; Tasks: startup

[Run]
Filename: "{app}\{#AppExe}"; Description: "Start BLIP Assistant now"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Settings, history and downloaded models live in the user's profile and are kept,
; so a reinstall loses nothing. The README says where they are, to remove them by hand.
