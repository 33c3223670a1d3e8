namespace Kiln.Engine;

/// <summary>The person at the terminal, if there is one (on-error debug, breakpoints).</summary>
public interface IInteraction
{
    bool IsInteractive { get; }

    Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken);
}
