namespace Kiln.RepositoryBuild;

internal enum Configuration
{
    Debug,
    Release,
}
