() => {
  // Gradio's Sketchpad starts with no tool selected ("select the draw tool to start") and ignores strokes
  // until the brush is picked. Pick it for the user whenever a sketch canvas appears (tabs render lazily).
  const arm = () => {
    document.querySelectorAll("#sketch-canvas").forEach((canvas) => {
      const brush = canvas.querySelector('button[aria-label="Brush"]');
      if (brush && brush.offsetParent !== null && !canvas.dataset.brushReady) {
        canvas.dataset.brushReady = "1";
        brush.click();
      }
    });
  };
  new MutationObserver(arm).observe(document.body, { childList: true, subtree: true, attributes: true });
  arm();
}
