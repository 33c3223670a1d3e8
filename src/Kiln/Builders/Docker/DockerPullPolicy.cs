namespace Kiln.Builders.Docker;

internal enum DockerPullPolicy
{
    /// <summary>Pull only when the engine does not have the image.</summary>
    Missing,

    /// <summary>Pull every build, so a moving tag is up to date.</summary>
    Always,

    /// <summary>Never pull; the image must already be on the engine.</summary>
    Never,
}
