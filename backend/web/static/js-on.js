// Marks the page as scripted before it is drawn (styles hide what scripts enhance).
document.documentElement.className = "js";
