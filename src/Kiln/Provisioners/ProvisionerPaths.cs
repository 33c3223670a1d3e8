
namespace Kiln.Provisioners;

internal static class ProvisionerPaths
{
    /// <summary>"dir/" means the directory's contents, "dir" the directory itself, as rsync reads them.</summary>
    public static bool MeansContents(string path) => path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar);
}
