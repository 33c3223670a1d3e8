namespace Kiln.Engine;

public enum OnErrorMode
{
    /// <summary>Clean up everything (the default).</summary>
    Cleanup,

    /// <summary>Keep everything, print how to reach the machine and how to clean up later.</summary>
    Abort,

    /// <summary>On a failed step: keep the machine, print the SSH command, wait for Enter, then clean up.</summary>
    Debug,
}
