namespace Kiln.Provisioners;

internal enum FileDirection
{
    /// <summary>From the build host to the machine.</summary>
    Upload,

    /// <summary>From the machine to the build host.</summary>
    Download,
}
