namespace Kiln.Engine;

/// <summary>Receives a command's output line by line as it arrives.</summary>
public interface ICommandOutput
{
    void StandardOutput(string line);

    void StandardError(string line);
}
