namespace Kiln.Targets;

public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A target failed or the build was aborted.</summary>
    public const int Failure = 1;

    /// <summary>The build could not start as asked: bad arguments, unknown target, invalid build definition.</summary>
    public const int Usage = 2;
}
