namespace Kiln.Communicators;

/// <summary>Unix permission bits on the build host; no-ops on Windows, where ACLs of the user profile protect files instead.</summary>
internal static class UnixModes
{
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DefaultDirectory = OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    public const UnixFileMode DefaultFile = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static UnixFileMode Get(string path, UnixFileMode fallback) =>
        OperatingSystem.IsWindows() ? fallback : File.GetUnixFileMode(path);

    public static void Set(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    public static void CreateDirectory(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, mode);
        }
    }
}
